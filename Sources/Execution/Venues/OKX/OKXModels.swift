/// OKX v5 wire types (only the fields the adapter reads). OKX sends numbers as strings.
enum OKXModels {
    /// `{"code":"0","msg":"",…}` without the data: decoded first, so any error answer parses.
    struct Status: Decodable {
        let code: String
        let msg: String?
        /// Per-item results of order operations (`code` "1"/"2" says some failed).
        let data: [ItemStatus]?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decode(String.self, forKey: .code)
            msg = try container.decodeIfPresent(String.self, forKey: .msg)
            data = try? container.decodeIfPresent([ItemStatus].self, forKey: .data)
        }

        enum CodingKeys: String, CodingKey { case code, msg, data }
    }

    struct ItemStatus: Decodable {
        let sCode: String?
        let sMsg: String?
    }

    /// The envelope with typed data.
    struct Envelope<Item: Decodable>: Decodable {
        let code: String
        let msg: String?
        let data: [Item]
    }

    /// `GET /api/v5/public/time`.
    struct ServerTime: Decodable {
        let ts: String
    }

    /// `GET /api/v5/public/instruments?instType=SPOT`.
    struct Instrument: Decodable {
        let instId: String
        let baseCcy: String?
        let quoteCcy: String?
        let tickSz: String?
        let lotSz: String?
        let minSz: String?
        let maxLmtSz: String?
        let maxMktSz: String?
        let state: String?
    }

    /// `POST /api/v5/trade/order` / `cancel-order` items.
    struct OrderAck: Decodable {
        let ordId: String?
        let clOrdId: String?
        let sCode: String?
        let sMsg: String?
    }

    /// One order, as REST and the `orders` channel both send it.
    struct Order: Decodable {
        let instId: String
        let ordId: String?
        let clOrdId: String?
        let px: String?
        let sz: String?
        let ordType: String?
        let side: String
        let state: String
        let accFillSz: String?
        let avgPx: String?
        let fee: String?
        let feeCcy: String?
        let tgtCcy: String?
        let cancelSource: String?
        let cancelSourceReason: String?
        let uTime: String?
        let cTime: String?
    }

    /// `GET /api/v5/account/balance`.
    struct Account: Decodable {
        let details: [Detail]?
    }

    struct Detail: Decodable {
        let ccy: String
        let availBal: String?
        let frozenBal: String?
        let cashBal: String?
        let eq: String?
    }

    /// A private-stream message: an event (`login`, `subscribe`, `error`) or a channel push.
    struct StreamMessage: Decodable {
        struct Argument: Decodable {
            let channel: String?
        }
        let event: String?
        let code: String?
        let arg: Argument?
        let data: [Order]?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            event = try container.decodeIfPresent(String.self, forKey: .event)
            code = try container.decodeIfPresent(String.self, forKey: .code)
            arg = try container.decodeIfPresent(Argument.self, forKey: .arg)
            data = arg?.channel == "orders" ? try container.decodeIfPresent([Order].self, forKey: .data) : nil
        }

        enum CodingKeys: String, CodingKey { case event, code, arg, data }
    }
}
