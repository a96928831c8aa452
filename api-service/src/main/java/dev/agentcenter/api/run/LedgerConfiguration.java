package dev.agentcenter.api.run;

import dev.agentcenter.support.ledger.AutomationFires;
import dev.agentcenter.support.ledger.RunCancels;
import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.support.ledger.RunQueueing;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The run ledger's parts the API writes through; each joins the current Spring transaction. */
@Configuration(proxyBeanMethods = false)
class LedgerConfiguration {

    @Bean
    RunEvents runEvents(DataSource dataSource) {
        return new RunEvents(dataSource);
    }

    @Bean
    RunQueueing runQueueing(JdbcClient db, RunEvents events) {
        return new RunQueueing(db, events);
    }

    @Bean
    RunCancels runCancels(JdbcClient db, RunEvents events) {
        return new RunCancels(db, events);
    }

    @Bean
    AutomationFires automationFires(JdbcClient db, RunEvents events) {
        return new AutomationFires(db, events);
    }
}
