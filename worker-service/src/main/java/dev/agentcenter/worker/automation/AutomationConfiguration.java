package dev.agentcenter.worker.automation;

import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.support.lifecycle.IntervalLoop;
import dev.agentcenter.worker.WorkerProperties;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/** The automation scheduler, run every {@code WORKER_AUTOMATION_INTERVAL_MS} by its own lifecycle-managed loop. */
@Configuration(proxyBeanMethods = false)
class AutomationConfiguration {

    @Bean
    AutomationScheduler automationScheduler(
            DataSource dataSource, TransactionTemplate transactions, RunEvents events, Clock clock) {
        return new AutomationScheduler(JdbcClient.create(dataSource), transactions, events, clock);
    }

    @Bean
    IntervalLoop automationLoop(AutomationScheduler scheduler, WorkerProperties properties) {
        return new IntervalLoop("automation-scheduler", properties.automationInterval(), scheduler::runDue);
    }
}
