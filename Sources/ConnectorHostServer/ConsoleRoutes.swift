import ConnectorHost
import Hummingbird

/// The web console at `/`: one page and its script and style, compiled into
/// the library, served without a token (the page asks for one and sends it in
/// a header). The content security policy lets the page run only its own
/// script and talk only to this server.
enum ConsoleRoutes {
    static let paths = ["/", "/console/console.js", "/console/console.css"]

    private static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-cache",
    ]

    static func add(to router: Router<AppRequestContext>) {
        router.get("/") { _, _ in asset(PackageResources.index_html, type: "text/html; charset=utf-8") }
        router.get("console/console.js") { _, _ in asset(PackageResources.console_js, type: "text/javascript; charset=utf-8") }
        router.get("console/console.css") { _, _ in asset(PackageResources.console_css, type: "text/css; charset=utf-8") }
    }

    private static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
