package dev.agentcenter.api.webui;

import java.time.Duration;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the web UI that the {@code web-ui} jar carries under {@code classpath:/static/}.
 *
 * <p>Vite names every file under {@code assets/} by its content hash, so a browser may keep them for a year
 * without asking again; a new build has new names. {@code index.html} (and the other unhashed files) must be
 * revalidated on every load ({@code no-cache}), or a browser would keep asking for the hashes of an old build.
 *
 * <p>The UI routes on the client ({@code /tasks/<id>}, {@code /automations}, …), so a reload or a shared link
 * must get {@code index.html} too: see {@link SpaFallbackResolver}. Spring Boot's own static mapping is switched
 * off ({@code spring.web.resources.add-mappings=false}) so that these two mappings are the only ones.
 */
@Configuration(proxyBeanMethods = false)
class WebUiConfig implements WebMvcConfigurer {

    static final String LOCATION = "classpath:/static/";

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        // A missing hashed asset is a 404, never index.html: a script tag that receives HTML fails obscurely.
        registry.addResourceHandler("/assets/**")
                .addResourceLocations(LOCATION + "assets/")
                .setCacheControl(
                        CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable())
                .resourceChain(false);
        registry.addResourceHandler("/**")
                .addResourceLocations(LOCATION)
                .setCacheControl(CacheControl.noCache())
                // No caching resolver: it would remember every made-up client route (memory grows with URLs).
                .resourceChain(false)
                .addResolver(new SpaFallbackResolver());
    }
}
