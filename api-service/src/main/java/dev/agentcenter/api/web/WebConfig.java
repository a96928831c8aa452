package dev.agentcenter.api.web;

import java.time.Clock;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

@Configuration(proxyBeanMethods = false)
class WebConfig {

    /**
     * Tomcat refuses an encoded {@code /} or {@code \}, and a raw {@code \}, itself: with an HTML page, before any
     * filter runs. Here the encoded ones pass through still encoded (they can never split a segment) and a raw
     * backslash is let in ({@code server.tomcat.relaxed-path-chars}) and read as {@code /} by Tomcat's router, so all
     * of them reach {@link FrontDoorFilter}, which looks at the raw URI and refuses them as problem+json with
     * {@code ambiguous_path} like every other ambiguous path. Nothing gets past it: it runs on every request.
     */
    @Bean
    TomcatConnectorCustomizer ambiguousPathsReachTheFrontDoor() {
        return connector -> {
            connector.setEncodedSolidusHandling("passthrough");
            connector.setEncodedReverseSolidusHandling("passthrough");
            connector.setAllowBackslash(true);
        };
    }

    /**
     * Tomcat's own refusals (malformed URIs) as problem+json too, see {@link ProblemErrorReportValve}. It replaces
     * every other error report valve of the host: Spring Boot adds one of its own (HTML without stack traces) from a
     * customizer of its own, which is why this one runs last.
     */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            // Boot adds the context to its host before customizing it; a host that finds a valve of its configured
            // report class in its pipeline adds none of its own when it starts.
            if (context.getParent() instanceof StandardHost host) {
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                host.getPipeline().addValve(new ProblemErrorReportValve());
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * Strict reading: unknown fields and wrong JSON types are errors, not silently dropped or coerced
     * ({@code "name": 5} is not a string, {@code "enabled": "yes"} is not a boolean).
     */
    @Bean
    JsonMapperBuilderCustomizer strictJson() {
        return builder -> builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .withCoercionConfigDefaults(config -> {
                    config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
                    config.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                    config.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
                })
                .withCoercionConfig(
                        LogicalType.Integer,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
                // a whole number is a fine amount of dollars ("maxCostUsd": 5); a string is not
                .withCoercionConfig(LogicalType.Float, config -> {
                    config.setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
                    config.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                })
                .withCoercionConfig(
                        LogicalType.Boolean,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail));
    }
}
