package dev.agentcenter.worker.lease;

import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.support.lifecycle.IntervalLoop;
import dev.agentcenter.worker.WorkerProperties;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/** The lease sweeper, run every {@code WORKER_LEASE_SWEEP_INTERVAL_MS} by its own lifecycle-managed loop. */
@Configuration(proxyBeanMethods = false)
class LeaseConfiguration {

    @Bean
    LeaseSweeper leaseSweeper(
            DataSource dataSource, TransactionTemplate transactions, RunEvents events, WorkerProperties properties) {
        return new LeaseSweeper(JdbcClient.create(dataSource), transactions, events, properties);
    }

    @Bean
    IntervalLoop leaseSweepLoop(LeaseSweeper sweeper, WorkerProperties properties) {
        return new IntervalLoop("lease-sweeper", properties.leaseSweepInterval(), sweeper::sweep);
    }
}
