package dev.agentcenter.runner.run;

import dev.agentcenter.support.SealedSecrets;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * The runner's one {@link SealedSecrets}. A passphrase key is derived (Argon2id) once, in the background as soon as
 * the runner is ready, so that the first run needing a secret does not wait for it; it is kept for the life of the
 * process.
 */
@Configuration(proxyBeanMethods = false)
class SecretsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecretsConfiguration.class);

    @Bean
    SealedSecrets sealedSecrets(ExecutionProperties execution, DataSource database) {
        return new SealedSecrets(execution.credentialEncryptionKey(), database);
    }

    @EventListener(ApplicationReadyEvent.class)
    void deriveTheKey(ApplicationReadyEvent ready) {
        SealedSecrets secrets = ready.getApplicationContext().getBean(SealedSecrets.class);
        if (!secrets.available()) {
            return;
        }
        Thread.ofVirtual().name("derive-secret-key").start(() -> {
            try {
                secrets.warmUp();
            } catch (RuntimeException e) {
                // Not fatal: a run that needs a secret fails with credentials_unavailable and this message.
                log.warn("The secret key cannot be derived: {}", e.getMessage());
            }
        });
    }
}
