/// `array.*`: Pine's arrays of numbers, bools and strings (reference types held by variables).
extension PineCompiler {
    func arrayBuiltins() -> [String: BuiltinFunction] {
        var t: [String: BuiltinFunction] = [:]
        let elementNames: [(String, PineType)] = [("float", .float), ("int", .int), ("bool", .bool), ("string", .string), ("color", .color)]
        func makeNew(_ element: PineType) -> (BuiltinCall) throws -> CompiledValue {
            { [unowned self] call in
                let requested = try call.optionalNumber("size") ?? { _ in 0 }
                let location = call.location
                let size: NumberCode = { runtime in
                    let n = requested(runtime)
                    guard n.isFinite, n <= Double(PineArray.maximumCount) else {
                        runtime.fail("arrays hold at most \(PineArray.maximumCount) elements", at: location)
                        return 0
                    }
                    return n
                }
                if element == .string {
                    let initial = try call.optionalString("initial_value") ?? { _ in "" }
                    return CompiledValue(type: .array(.string), code: .array { runtime in
                        PineArray(elementType: .string, count: max(0, Int(size(runtime))), initial: .nan, initialString: initial(runtime))
                    })
                }
                var initial: NumberCode = { _ in .nan }
                if let value = try call.value("initial_value"), !value.isNA {
                    initial = try self.numericStorageCode(value, as: element, at: call.location(of: "initial_value"))
                }
                return CompiledValue(type: .array(element), code: .array { runtime in
                    PineArray(elementType: element, count: max(0, Int(size(runtime))), initial: initial(runtime))
                })
            }
        }
        for (name, element) in elementNames {
            t["array.new_" + name] = BuiltinFunction(parameters: ["size", "initial_value"], compile: makeNew(element))
        }
        t["array.new"] = BuiltinFunction(parameters: ["size", "initial_value"]) { [unowned self] call in
            guard let name = call.typeArgument, let element = PineType(name: name) else {
                throw self.error("array.new<type>() needs an element type: float, int, bool, string or color", at: call.location)
            }
            return try makeNew(element)(call)
        }
        t["array.from"] = BuiltinFunction(parameters: ["..."]) { [unowned self] call in
            let values = try call.variadic.map { try self.compileExpression($0, in: call.scope) }
            guard let first = values.first else { throw self.error("array.from() needs at least one value", at: call.location) }
            let element: PineType = values.allSatisfy { $0.type == .int } ? .int : first.type
            if element == .string {
                let codes = try values.map { try self.stringCode($0, at: call.location) }
                return CompiledValue(type: .array(.string), code: .array { runtime in
                    let array = PineArray(elementType: .string, count: 0, initial: .nan)
                    array.strings = codes.map { $0(runtime) }
                    return array
                })
            }
            let codes = try values.map { try self.numericStorageCode($0, as: element, at: call.location) }
            return CompiledValue(type: .array(element), code: .array { runtime in
                let array = PineArray(elementType: element, count: 0, initial: .nan)
                array.numbers = codes.map { $0(runtime) }
                return array
            })
        }
        func arrayArgument(_ call: BuiltinCall) throws -> (ArrayCode, PineType) {
            let value = try call.required("id")
            guard case .array(let code) = value.code, case .array(let element) = value.type else {
                throw self.error("'\(call.name)' takes an array, found \(value.type)", at: call.location(of: "id"))
            }
            return (code, element)
        }
        func checked(_ call: BuiltinCall) -> (PineRuntime, PineArray?) -> PineArray? {
            let location = call.location
            let name = call.name
            return { runtime, array in
                if array == nil { runtime.fail("\(name): the array is na", at: location) }
                return array
            }
        }
        func index(_ runtime: PineRuntime, _ array: PineArray, _ raw: Double, _ location: SourceLocation) -> Int? {
            guard raw.isFinite else { runtime.fail("array index is na", at: location); return nil }
            var i = Int(raw)
            if i < 0 { i += array.count }
            guard i >= 0, i < array.count else {
                runtime.fail("array index \(Int(raw)) is out of bounds (size \(array.count))", at: location)
                return nil
            }
            return i
        }
        func element(_ value: CompiledValue, _ type: PineType, _ call: BuiltinCall) throws -> (NumberCode?, StringCode?) {
            if type == .string { return (nil, try self.stringCode(value, at: call.location)) }
            return (try self.numericStorageCode(value, as: type, at: call.location), nil)
        }
        func result(_ type: PineType, number: @escaping NumberCode, string: @escaping StringCode) -> CompiledValue {
            if type == .string { return .string(string) }
            return self.numericValue(number, type: type)
        }
        t["array.size"] = BuiltinFunction(parameters: ["id"]) { call in
            let (code, _) = try arrayArgument(call)
            return .number(.int) { runtime in code(runtime).map { Double($0.count) } ?? .nan }
        }
        t["array.get"] = BuiltinFunction(parameters: ["id", "index"]) { call in
            let (code, type) = try arrayArgument(call)
            let at = try call.number("index")
            let check = checked(call), location = call.location
            return result(type, number: { runtime in
                guard let array = check(runtime, code(runtime)), let i = index(runtime, array, at(runtime), location) else { return .nan }
                return array.numbers[i]
            }, string: { runtime in
                guard let array = check(runtime, code(runtime)), let i = index(runtime, array, at(runtime), location) else { return "" }
                return array.strings[i]
            })
        }
        t["array.set"] = BuiltinFunction(parameters: ["id", "index", "value"]) { call in
            let (code, type) = try arrayArgument(call)
            let at = try call.number("index")
            let (number, string) = try element(try call.required("value"), type, call)
            let check = checked(call), location = call.location
            return .void { runtime in
                guard let array = check(runtime, code(runtime)), let i = index(runtime, array, at(runtime), location) else { return }
                if let number { array.numbers[i] = number(runtime) } else if let string { array.strings[i] = string(runtime) }
            }
        }
        for name in ["array.push", "array.unshift"] {
            t[name] = BuiltinFunction(parameters: ["id", "value"]) { call in
                let (code, type) = try arrayArgument(call)
                let (number, string) = try element(try call.required("value"), type, call)
                let check = checked(call), location = call.location
                let front = name == "array.unshift"
                return .void { runtime in
                    guard let array = check(runtime, code(runtime)) else { return }
                    if array.count >= PineArray.maximumCount { runtime.fail("arrays hold at most \(PineArray.maximumCount) elements", at: location); return }
                    if let number {
                        if front { array.numbers.insert(number(runtime), at: 0) } else { array.numbers.append(number(runtime)) }
                    } else if let string {
                        if front { array.strings.insert(string(runtime), at: 0) } else { array.strings.append(string(runtime)) }
                    }
                }
            }
        }
        t["array.insert"] = BuiltinFunction(parameters: ["id", "index", "value"]) { call in
            let (code, type) = try arrayArgument(call)
            let at = try call.number("index")
            let (number, string) = try element(try call.required("value"), type, call)
            let check = checked(call), location = call.location
            return .void { runtime in
                guard let array = check(runtime, code(runtime)) else { return }
                let i = Int(at(runtime))
                guard i >= 0, i <= array.count else { runtime.fail("array index \(i) is out of bounds (size \(array.count))", at: location); return }
                if let number { array.numbers.insert(number(runtime), at: i) } else if let string { array.strings.insert(string(runtime), at: i) }
            }
        }
        for name in ["array.pop", "array.shift", "array.first", "array.last"] {
            t[name] = BuiltinFunction(parameters: ["id"]) { call in
                let (code, type) = try arrayArgument(call)
                let check = checked(call), location = call.location
                func position(_ array: PineArray, _ runtime: PineRuntime) -> Int? {
                    guard array.count > 0 else { runtime.fail("\(name) on an empty array", at: location); return nil }
                    return name == "array.pop" || name == "array.last" ? array.count - 1 : 0
                }
                let removes = name == "array.pop" || name == "array.shift"
                return result(type, number: { runtime in
                    guard let array = check(runtime, code(runtime)), let i = position(array, runtime) else { return .nan }
                    return removes ? array.numbers.remove(at: i) : array.numbers[i]
                }, string: { runtime in
                    guard let array = check(runtime, code(runtime)), let i = position(array, runtime) else { return "" }
                    return removes ? array.strings.remove(at: i) : array.strings[i]
                })
            }
        }
        t["array.remove"] = BuiltinFunction(parameters: ["id", "index"]) { call in
            let (code, type) = try arrayArgument(call)
            let at = try call.number("index")
            let check = checked(call), location = call.location
            return result(type, number: { runtime in
                guard let array = check(runtime, code(runtime)), let i = index(runtime, array, at(runtime), location) else { return .nan }
                return array.numbers.remove(at: i)
            }, string: { runtime in
                guard let array = check(runtime, code(runtime)), let i = index(runtime, array, at(runtime), location) else { return "" }
                return array.strings.remove(at: i)
            })
        }
        t["array.clear"] = BuiltinFunction(parameters: ["id"]) { call in
            let (code, _) = try arrayArgument(call)
            return .void { runtime in
                guard let array = code(runtime) else { return }
                array.numbers.removeAll(keepingCapacity: true)
                array.strings.removeAll(keepingCapacity: true)
            }
        }
        // Reductions over numeric arrays; na elements are skipped, an empty array gives na.
        let reductions: [(String, ([Double]) -> Double)] = [
            ("array.sum", { $0.isEmpty ? .nan : $0.reduce(0, +) }),
            ("array.avg", { $0.isEmpty ? .nan : $0.reduce(0, +) / Double($0.count) }),
            ("array.max", { $0.max() ?? .nan }),
            ("array.min", { $0.min() ?? .nan }),
            ("array.range", { values in guard let hi = values.max(), let lo = values.min() else { return .nan }; return hi - lo }),
            ("array.median", { values in
                guard !values.isEmpty else { return .nan }
                let sorted = values.sorted()
                let mid = sorted.count / 2
                return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
            }),
            ("array.stdev", { values in
                guard !values.isEmpty else { return .nan }
                let mean = values.reduce(0, +) / Double(values.count)
                return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            }),
            ("array.variance", { values in
                guard !values.isEmpty else { return .nan }
                let mean = values.reduce(0, +) / Double(values.count)
                return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            }),
        ]
        for (name, reduce) in reductions {
            t[name] = BuiltinFunction(parameters: ["id"]) { call in
                let (code, type) = try arrayArgument(call)
                guard type.isNumeric else { throw self.error("\(name) takes a numeric array", at: call.location) }
                return .number { runtime in
                    guard let array = code(runtime) else { return .nan }
                    return reduce(array.numbers.filter { !$0.isNaN })
                }
            }
        }
        t["array.includes"] = BuiltinFunction(parameters: ["id", "value"]) { call in
            let (code, type) = try arrayArgument(call)
            let (number, string) = try element(try call.required("value"), type, call)
            return .bool { runtime in
                guard let array = code(runtime) else { return false }
                if let number { return array.numbers.contains(number(runtime)) }
                return array.strings.contains(string!(runtime))
            }
        }
        t["array.indexof"] = BuiltinFunction(parameters: ["id", "value"]) { call in
            let (code, type) = try arrayArgument(call)
            let (number, string) = try element(try call.required("value"), type, call)
            return .number(.int) { runtime in
                guard let array = code(runtime) else { return -1 }
                if let number { return Double(array.numbers.firstIndex(of: number(runtime)) ?? -1) }
                return Double(array.strings.firstIndex(of: string!(runtime)) ?? -1)
            }
        }
        t["array.reverse"] = BuiltinFunction(parameters: ["id"]) { call in
            let (code, _) = try arrayArgument(call)
            return .void { runtime in
                guard let array = code(runtime) else { return }
                array.numbers.reverse()
                array.strings.reverse()
            }
        }
        t["array.sort"] = BuiltinFunction(parameters: ["id", "order"]) { call in
            let (code, _) = try arrayArgument(call)
            let descending = try call.constantString("order", default: "order.ascending") == "order.descending"
            return .void { runtime in
                guard let array = code(runtime) else { return }
                array.numbers.sort { descending ? $0 > $1 : $0 < $1 }
                array.strings.sort { descending ? $0 > $1 : $0 < $1 }
            }
        }
        t["array.copy"] = BuiltinFunction(parameters: ["id"]) { call in
            let (code, type) = try arrayArgument(call)
            return CompiledValue(type: .array(type), code: .array { runtime in
                guard let array = code(runtime) else { return nil }
                let copy = PineArray(elementType: type, count: 0, initial: .nan)
                copy.numbers = array.numbers
                copy.strings = array.strings
                return copy
            })
        }
        return t
    }
}
