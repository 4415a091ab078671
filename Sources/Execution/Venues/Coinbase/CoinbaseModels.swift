/// Coinbase Advanced Trade (`/api/v3/brokerage`) wire types. Numbers are decimal strings.
enum CoinbaseModels {
    /// `GET /time`.
    struct ServerTime: Decodable {
        let iso: String?
        let epochSeconds: String?
        let epochMillis: String?
    }

    /// `GET /products/{product_id}`.
    struct Product: Decodable {
        let productId: String
        let baseIncrement: String?
        let quoteIncrement: String?
        let priceIncrement: String?
        let baseMinSize: String?
        let baseMaxSize: String?
        let quoteMinSize: String?
        let quoteMaxSize: String?
        let status: String?

        enum CodingKeys: String, CodingKey {
            case status
            case productId = "product_id"
            case baseIncrement = "base_increment"
            case quoteIncrement = "quote_increment"
            case priceIncrement = "price_increment"
            case baseMinSize = "base_min_size"
            case baseMaxSize = "base_max_size"
            case quoteMinSize = "quote_min_size"
            case quoteMaxSize = "quote_max_size"
        }
    }

    /// `{"value":"1.5","currency":"BTC"}`.
    struct Amount: Decodable {
        let value: String
        let currency: String?
    }

    /// One page of `GET /accounts`.
    struct AccountsPage: Decodable {
        let accounts: [Account]
        let hasNext: Bool?
        let cursor: String?

        enum CodingKeys: String, CodingKey {
            case accounts, cursor
            case hasNext = "has_next"
        }
    }

    struct Account: Decodable {
        let currency: String
        let availableBalance: Amount
        let hold: Amount?

        enum CodingKeys: String, CodingKey {
            case currency, hold
            case availableBalance = "available_balance"
        }
    }

    /// One leg of `order_configuration` (`market_market_ioc`, `limit_limit_gtc`, …); only the
    /// fields the leg uses are set, and only those are encoded.
    struct ConfigurationLeg: Codable, Sendable {
        var baseSize: String?
        var quoteSize: String?
        var limitPrice: String?
        var stopPrice: String?
        var stopDirection: String?
        var postOnly: Bool?

        enum CodingKeys: String, CodingKey {
            case baseSize = "base_size"
            case quoteSize = "quote_size"
            case limitPrice = "limit_price"
            case stopPrice = "stop_price"
            case stopDirection = "stop_direction"
            case postOnly = "post_only"
        }
    }

    /// `order_configuration`: exactly one leg set.
    struct OrderConfiguration: Codable, Sendable {
        var marketMarketIoc: ConfigurationLeg?
        var limitLimitGtc: ConfigurationLeg?
        var limitLimitFok: ConfigurationLeg?
        var sorLimitIoc: ConfigurationLeg?
        var stopLimitStopLimitGtc: ConfigurationLeg?

        enum CodingKeys: String, CodingKey {
            case marketMarketIoc = "market_market_ioc"
            case limitLimitGtc = "limit_limit_gtc"
            case limitLimitFok = "limit_limit_fok"
            case sorLimitIoc = "sor_limit_ioc"
            case stopLimitStopLimitGtc = "stop_limit_stop_limit_gtc"
        }

        /// The leg that is set.
        var leg: ConfigurationLeg? { marketMarketIoc ?? limitLimitGtc ?? limitLimitFok ?? sorLimitIoc ?? stopLimitStopLimitGtc }
    }

    /// `POST /orders` body.
    struct CreateOrder: Encodable {
        let clientOrderId: String
        let productId: String
        let side: String
        let orderConfiguration: OrderConfiguration

        enum CodingKeys: String, CodingKey {
            case side
            case clientOrderId = "client_order_id"
            case productId = "product_id"
            case orderConfiguration = "order_configuration"
        }
    }

    /// `POST /orders` answer.
    struct CreateOrderResponse: Decodable {
        let success: Bool
        let successResponse: SuccessResponse?
        let errorResponse: ErrorResponse?
        let failureReason: String?

        enum CodingKeys: String, CodingKey {
            case success
            case successResponse = "success_response"
            case errorResponse = "error_response"
            case failureReason = "failure_reason"
        }

        struct SuccessResponse: Decodable {
            let orderId: String
            let clientOrderId: String?

            enum CodingKeys: String, CodingKey {
                case orderId = "order_id"
                case clientOrderId = "client_order_id"
            }
        }

        struct ErrorResponse: Decodable {
            let error: String?
            let message: String?
            let errorDetails: String?
            let previewFailureReason: String?
            let newOrderFailureReason: String?

            enum CodingKeys: String, CodingKey {
                case error, message
                case errorDetails = "error_details"
                case previewFailureReason = "preview_failure_reason"
                case newOrderFailureReason = "new_order_failure_reason"
            }
        }
    }

    /// `POST /orders/batch_cancel` body.
    struct CancelOrders: Encodable {
        let orderIds: [String]

        enum CodingKeys: String, CodingKey { case orderIds = "order_ids" }
    }

    /// `POST /orders/batch_cancel` answer.
    struct CancelResponse: Decodable {
        let results: [Result]

        struct Result: Decodable {
            let success: Bool
            let failureReason: String?
            let orderId: String?

            enum CodingKeys: String, CodingKey {
                case success
                case failureReason = "failure_reason"
                case orderId = "order_id"
            }
        }
    }

    /// `GET /orders/historical/{order_id}`.
    struct OrderEnvelope: Decodable {
        let order: Order
    }

    /// One page of `GET /orders/historical/batch`.
    struct OrdersPage: Decodable {
        let orders: [Order]
        let hasNext: Bool?
        let cursor: String?

        enum CodingKeys: String, CodingKey {
            case orders, cursor
            case hasNext = "has_next"
        }
    }

    struct Order: Decodable {
        let orderId: String
        let productId: String
        let side: String
        let clientOrderId: String?
        let status: String
        let orderType: String?
        let orderConfiguration: OrderConfiguration?
        let filledSize: String?
        let averageFilledPrice: String?
        let totalFees: String?
        let createdTime: String?
        let lastFillTime: String?
        let rejectReason: String?
        let rejectMessage: String?
        let cancelMessage: String?

        enum CodingKeys: String, CodingKey {
            case side, status
            case orderId = "order_id"
            case productId = "product_id"
            case clientOrderId = "client_order_id"
            case orderType = "order_type"
            case orderConfiguration = "order_configuration"
            case filledSize = "filled_size"
            case averageFilledPrice = "average_filled_price"
            case totalFees = "total_fees"
            case createdTime = "created_time"
            case lastFillTime = "last_fill_time"
            case rejectReason = "reject_reason"
            case rejectMessage = "reject_message"
            case cancelMessage = "cancel_message"
        }
    }

    /// An error body (`{"error":"…","message":"…","error_details":"…"}`).
    struct ErrorBody: Decodable {
        let error: String?
        let message: String?
        let errorDetails: String?

        enum CodingKeys: String, CodingKey {
            case error, message
            case errorDetails = "error_details"
        }
    }
}
