package dev.agentcenter.api.github;

import dev.agentcenter.api.credential.Secrets;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.support.HmacSignature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code POST /api/webhooks/github}: GitHub's deliveries. Authenticated by their signature, not the API token
 * (ApiTokenFilter leaves this one route open): {@code X-Hub-Signature-256} must be the HMAC-SHA256 of the raw body with
 * the webhook secret of a connection of {@code repository.full_name}. Anything not verified is 401 and writes nothing;
 * a verified delivery is 202 with its outcome (200 for a redelivery, which changes nothing), fast: at most a task and
 * a queued run are written, the work itself happens on a runner.
 */
@RestController
class GitHubWebhookController {

    static final String PATH = "/api/webhooks/github";
    /** GitHub's owner/name characters (as repo_connections allows them); nothing else reaches a query or a log. */
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");

    private static final Logger log = LoggerFactory.getLogger(GitHubWebhookController.class);

    private final GitHubSettingsStore settings;
    private final GitHubIntake intake;
    private final Secrets secrets;
    private final ObjectMapper json;

    GitHubWebhookController(GitHubSettingsStore settings, GitHubIntake intake, Secrets secrets, ObjectMapper json) {
        this.settings = settings;
        this.intake = intake;
        this.secrets = secrets;
        this.json = json;
    }

    @PostMapping(PATH)
    ResponseEntity<Map<String, Object>> receive(
            @RequestHeader(value = "X-GitHub-Event", required = false) String event,
            @RequestHeader(value = "X-GitHub-Delivery", required = false) String deliveryId,
            @RequestHeader(value = "X-Hub-Signature-256", required = false) String signature,
            @RequestBody(required = false) byte[] body) {
        if (signature == null || body == null || body.length == 0) {
            throw unverified("The delivery has no X-Hub-Signature-256 (or no body)");
        }
        JsonNode payload = parse(body);
        String fullName = payload.path("repository").path("full_name").asString("");
        int slash = fullName.indexOf('/');
        if (!REPOSITORY.matcher(fullName).matches()) {
            throw unverified("The delivery names no repository (repository.full_name)");
        }
        List<GitHubSettingsStore.Receiver> verified = new ArrayList<>();
        for (GitHubSettingsStore.Receiver receiver :
                settings.receivers(fullName.substring(0, slash), fullName.substring(slash + 1))) {
            String secret = secrets.open(receiver.sealedSecret(), receiver.secretBinding());
            if (HmacSignature.matches(secret, body, signature)) {
                verified.add(receiver);
            }
        }
        if (verified.isEmpty()) {
            log.warn("Refused a GitHub delivery for {}: no connection's webhook secret verifies it", fullName);
            throw unverified("No repository connection's webhook secret verifies this delivery");
        }
        if (blank(event) || blank(deliveryId) || deliveryId.length() > 200 || event.length() > 100) {
            throw new ApiException(
                    HttpStatus.BAD_REQUEST,
                    "missing_github_headers",
                    "A GitHub delivery carries X-GitHub-Event and X-GitHub-Delivery (at most 200 characters)");
        }
        String action =
                payload.path("action").isString() ? payload.path("action").asString() : null;
        List<Map<String, Object>> results = new ArrayList<>();
        boolean anyNew = false;
        for (GitHubSettingsStore.Receiver receiver : verified) {
            GitHubEvent what = GitHubEvent.read(event, payload, receiver.settings());
            GitHubIntake.Outcome outcome = intake.take(receiver, deliveryId, event, action, what);
            anyNew |= !outcome.duplicate();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("repoConnectionId", outcome.repoConnectionId());
            result.put("outcome", outcome.duplicate() ? "duplicate" : outcome.outcome());
            result.put("detail", outcome.detail());
            result.put("taskId", outcome.taskId());
            results.add(result);
            log.info(
                    "GitHub delivery {} ({}{}) for {}: {}",
                    deliveryId,
                    event,
                    action == null ? "" : "." + action,
                    fullName,
                    result.get("outcome"));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("deliveryId", deliveryId);
        answer.put("results", results);
        return ResponseEntity.status(anyNew ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .body(answer);
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode payload = json.readTree(body);
            if (payload == null || !payload.isObject()) {
                throw unverified("The delivery is not a JSON object, so its repository is unknown");
            }
            return payload;
        } catch (JacksonException e) {
            throw unverified("The delivery is not JSON, so its repository is unknown");
        }
    }

    /** One answer for every unverified delivery: it tells a forger nothing about which check failed first. */
    private static ApiException unverified(String why) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_signature", why);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
