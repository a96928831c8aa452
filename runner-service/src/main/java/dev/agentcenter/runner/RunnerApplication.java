package dev.agentcenter.runner;

import dev.agentcenter.support.ParentWatch;
import dev.agentcenter.support.SecretFiles;
import dev.agentcenter.support.ServiceDatabase;
import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/** The runner service: executes runs on this host and writes their events to Postgres. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RunnerApplication {

    public static void main(String[] args) {
        ParentWatch.startIfRequested(System.getenv());
        ServiceDatabase.configure(SecretFiles.apply(System.getenv()));
        SpringApplication.run(RunnerApplication.class, args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
