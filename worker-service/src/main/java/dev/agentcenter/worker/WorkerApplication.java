package dev.agentcenter.worker;

import dev.agentcenter.support.ParentWatch;
import dev.agentcenter.support.SecretFiles;
import dev.agentcenter.support.ServiceDatabase;
import dev.agentcenter.support.ledger.RunEvents;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/** The worker service: claims queued runs, dispatches them to runners, sweeps expired leases, fires automations. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

    public static void main(String[] args) {
        ParentWatch.startIfRequested(System.getenv());
        ServiceDatabase.configure(SecretFiles.apply(System.getenv()));
        SpringApplication.run(WorkerApplication.class, args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    WorkerId workerId() {
        return WorkerId.ofThisProcess();
    }

    @Bean
    RunEvents runEvents(DataSource dataSource) {
        return new RunEvents(dataSource);
    }
}
