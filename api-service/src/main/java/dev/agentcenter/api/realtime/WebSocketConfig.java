package dev.agentcenter.api.realtime;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

/**
 * {@code /ws}. The token, {@code Host} and {@code Origin} are checked before the handshake, by the API's front door
 * filters ({@code dev.agentcenter.api.web}).
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfig implements WebSocketConfigurer {

    private final RealtimeWebSocketHandler handler;

    WebSocketConfig(RealtimeWebSocketHandler handler) {
        this.handler = handler;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Spring's own check (same scheme, host and port as the request, or a listed origin) would refuse an origin
        // that the front door accepts on purpose: a page behind a TLS proxy that keeps Host (https page, http
        // request) or one listed in API_ALLOWED_ORIGINS. One rule in one place: the front door's.
        registry.addHandler(handler, "/ws").setAllowedOriginPatterns("*");
    }
}
