package dev.agentcenter.api;

import dev.agentcenter.support.ParentWatch;
import dev.agentcenter.support.SecretFiles;
import dev.agentcenter.support.ServiceDatabase;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The API service: REST, realtime and the web UI. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ApiApplication {

    public static void main(String[] args) {
        ParentWatch.startIfRequested(System.getenv());
        ServiceDatabase.configure(SecretFiles.apply(System.getenv()));
        SpringApplication.run(ApiApplication.class, args);
    }
}
