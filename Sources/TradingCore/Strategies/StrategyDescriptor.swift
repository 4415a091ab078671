/// What `GET /strategies` shows for one strategy.
public struct StrategyDescriptor: Sendable, Hashable, Codable {
    public let name: String
    public let description: String
    public let parameters: [ParameterSpec]

    public init(name: String, description: String, parameters: [ParameterSpec]) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}
