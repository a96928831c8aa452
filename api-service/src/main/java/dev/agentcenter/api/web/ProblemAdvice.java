package dev.agentcenter.api.web;

import dev.agentcenter.api.web.ApiException.FieldProblem;
import dev.agentcenter.api.web.BodyLimitFilter.BodyTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns every failure into problem+json with a stable {@code code}: client mistakes into precise 4xx answers, and
 * anything unexpected into a 500 that names the request id but never a stack trace.
 */
@RestControllerAdvice
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
class ProblemAdvice {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    /** Database constraints that a racing or careless request can hit, as the answer each deserves. */
    private static final Map<String, FieldProblemCode> CONSTRAINTS = Map.ofEntries(
            conflict("workspaces_slug_key", "workspace_slug_taken", "A workspace with this slug already exists"),
            conflict(
                    "projects_workspace_slug_key",
                    "project_slug_taken",
                    "A project with this slug already exists in the workspace"),
            conflict(
                    "repo_connections_repository_key",
                    "repo_connection_exists",
                    "This repository is already connected to the workspace"),
            conflict(
                    "automations_workspace_name_key",
                    "automation_name_taken",
                    "An automation with this name already exists in the workspace"),
            conflict("runs_one_active_per_task", "task_has_active_run", "The task already has an active run"),
            conflict(
                    "runs_task_attempt_key",
                    "task_has_active_run",
                    "Another run of this task was queued at the same time"),
            conflict("runners_name_key", "runner_name_taken", "A runner with this name already exists"));

    private static Map.Entry<String, FieldProblemCode> conflict(String constraint, String code, String detail) {
        return Map.entry(constraint, new FieldProblemCode(HttpStatus.CONFLICT, code, detail));
    }

    private record FieldProblemCode(HttpStatus status, String code, String detail) {}

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e, HttpServletRequest request) {
        return respond(e.status(), e.code(), e.getMessage(), e.errors(), request);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
        Throwable cause = e.getCause();
        while (cause != null) {
            if (cause instanceof BodyTooLargeException tooLarge) {
                return respond(
                        HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", tooLarge.getMessage(), List.of(), request);
            }
            if (cause instanceof JacksonException jackson) {
                return jsonProblem(jackson, request);
            }
            cause = cause.getCause();
        }
        return respond(HttpStatus.BAD_REQUEST, "missing_body", "The request needs a JSON body", List.of(), request);
    }

    private ResponseEntity<ProblemDetail> jsonProblem(JacksonException e, HttpServletRequest request) {
        String field = path(e);
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null
                    ? ""
                    : unknown.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .sorted()
                            .collect(Collectors.joining(", ", " (known fields: ", ")"));
            return invalid(field, "is not a known field" + known, request);
        }
        if (e instanceof InvalidFormatException format) {
            return invalid(field, expectation(format.getTargetType()), request);
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return invalid(field, expectation(mismatch.getTargetType()), request);
        }
        if (e instanceof StreamReadException) {
            // Only where, never the parser's message: it quotes the text it choked on, which can be a pasted secret.
            var location = e.getLocation();
            String where = location == null || location.getLineNr() < 0
                    ? ""
                    : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
            return respond(
                    HttpStatus.BAD_REQUEST,
                    "malformed_json",
                    "The request body is not valid JSON" + where,
                    List.of(),
                    request);
        }
        return invalid(field.isEmpty() ? "body" : field, "has the wrong shape", request);
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ProblemDetail> invalidBody(MethodArgumentNotValidException e, HttpServletRequest request) {
        List<FieldProblem> errors = e.getBindingResult().getFieldErrors().stream()
                .map(error -> new FieldProblem(error.getField(), message(error)))
                .sorted((a, b) -> a.field().compareTo(b.field()))
                .toList();
        return respond(HttpStatus.BAD_REQUEST, "validation_failed", "The request is not valid", errors, request);
    }

    @ExceptionHandler(HandlerMethodValidationException.class)
    ResponseEntity<ProblemDetail> invalidParameters(HandlerMethodValidationException e, HttpServletRequest request) {
        List<FieldProblem> errors = e.getParameterValidationResults().stream()
                .flatMap(result -> result.getResolvableErrors().stream()
                        .map(error -> new FieldProblem(
                                Objects.requireNonNullElse(
                                        result.getMethodParameter().getParameterName(), "param"),
                                Objects.requireNonNullElse(error.getDefaultMessage(), "is not valid"))))
                .toList();
        return respond(HttpStatus.BAD_REQUEST, "validation_failed", "The request is not valid", errors, request);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> badParameter(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        return respond(
                HttpStatus.BAD_REQUEST,
                "invalid_parameter",
                "The parameter '" + e.getName() + "' is not valid",
                List.of(new FieldProblem(e.getName(), expectation(e.getRequiredType()))),
                request);
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ProblemDetail> missingParameter(
            MissingServletRequestParameterException e, HttpServletRequest request) {
        return respond(
                HttpStatus.BAD_REQUEST,
                "missing_parameter",
                "The query parameter '" + e.getParameterName() + "' is required",
                List.of(new FieldProblem(e.getParameterName(), "is required")),
                request);
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ProblemDetail> noRoute(NoResourceFoundException e, HttpServletRequest request) {
        return respond(
                HttpStatus.NOT_FOUND,
                "not_found",
                "No route " + request.getMethod() + " " + request.getRequestURI(),
                List.of(),
                request);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        return respond(
                HttpStatus.METHOD_NOT_ALLOWED,
                "method_not_allowed",
                request.getMethod() + " is not supported here; use "
                        + String.join(", ", Objects.requireNonNullElse(e.getSupportedMethods(), new String[0])),
                List.of(),
                request);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
        return respond(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as application/json",
                List.of(),
                request);
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
        return respond(
                HttpStatus.NOT_ACCEPTABLE,
                "not_acceptable",
                "This route answers with application/json",
                List.of(),
                request);
    }

    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> constraint(DataIntegrityViolationException e, HttpServletRequest request) {
        String constraint = constraintName(e);
        FieldProblemCode known = constraint == null ? null : CONSTRAINTS.get(constraint);
        if (known != null) {
            return respond(known.status(), known.code(), known.detail(), List.of(), request);
        }
        log.warn("Constraint violation {} on {} {}", constraint, request.getMethod(), request.getRequestURI());
        return respond(
                HttpStatus.CONFLICT,
                "constraint_violation",
                "The change conflicts with existing data" + (constraint == null ? "" : " (" + constraint + ")"),
                List.of(),
                request);
    }

    /** Postgres down, restarting or out of connections: the client may retry, nothing was written. */
    @ExceptionHandler({
        org.springframework.dao.DataAccessResourceFailureException.class,
        org.springframework.dao.TransientDataAccessException.class
    })
    ResponseEntity<ProblemDetail> databaseUnavailable(Exception e, HttpServletRequest request) {
        log.warn("Database unavailable on {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "5")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "database_unavailable",
                        "The database cannot be reached right now; try again shortly",
                        List.of(),
                        request));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return respond(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong on the server; quote request id " + RequestIds.of(request),
                List.of(),
                request);
    }

    private static ResponseEntity<ProblemDetail> invalid(String field, String message, HttpServletRequest request) {
        return respond(
                HttpStatus.BAD_REQUEST,
                "validation_failed",
                "The request is not valid",
                List.of(new FieldProblem(field, message)),
                request);
    }

    private static ResponseEntity<ProblemDetail> respond(
            HttpStatus status, String code, String detail, List<FieldProblem> errors, HttpServletRequest request) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.of(status, code, detail, errors, request));
    }

    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String expectation(Class<?> type) {
        if (type == null) {
            return "has the wrong type";
        }
        if (type.isEnum()) {
            return "must be one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", ", "[", "]"));
        }
        if (type == UUID.class) {
            return "must be a UUID";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "must be an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "must be an object";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "must be an array";
        }
        if (type.isRecord()) {
            return "must be an object";
        }
        return "has the wrong type";
    }

    private static String message(FieldError error) {
        return Objects.requireNonNullElse(error.getDefaultMessage(), "is not valid");
    }

    private static String constraintName(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof PSQLException psql) {
                ServerErrorMessage server = psql.getServerErrorMessage();
                return server == null ? null : server.getConstraint();
            }
            if (cause instanceof SQLException sql && sql.getNextException() instanceof PSQLException next) {
                ServerErrorMessage server = next.getServerErrorMessage();
                return server == null ? null : server.getConstraint();
            }
        }
        return null;
    }
}
