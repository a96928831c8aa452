package dev.agentcenter.runner.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Every failure of a runner route as problem+json with a stable {@code code}: Spring MVC's own problems (bad JSON,
 * failed validation, wrong method or media type, unknown route) get the code their cause deserves, and anything
 * unexpected a 500 {@code internal_error} that is logged here but never shows a stack trace.
 */
@RestControllerAdvice
class RunnerProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(RunnerProblemAdvice.class);

    /** The MVC exceptions a client causes, by the code they answer with. */
    private static final Map<Class<? extends Exception>, String> CODES = Map.of(
            MethodArgumentNotValidException.class, "validation_failed",
            HandlerMethodValidationException.class, "validation_failed",
            HttpMessageNotReadableException.class, "malformed_request",
            TypeMismatchException.class, "invalid_parameter",
            MissingServletRequestParameterException.class, "missing_parameter",
            NoResourceFoundException.class, "not_found",
            HttpRequestMethodNotSupportedException.class, "method_not_allowed",
            HttpMediaTypeNotSupportedException.class, "unsupported_media_type",
            HttpMediaTypeNotAcceptableException.class, "not_acceptable");

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (body == null && e instanceof ErrorResponse response) {
            // Most MVC exceptions carry their problem; resolve it here so the code can be added to it.
            body = response.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
        }
        if (body instanceof ProblemDetail problem) {
            problem.setProperty("code", code(e, status));
            if (e instanceof MethodArgumentNotValidException invalid) {
                // Which fields, and why: the detail alone says only "Invalid request content".
                List<Map<String, String>> errors = invalid.getBindingResult().getFieldErrors().stream()
                        .map(error -> Map.of(
                                "field",
                                error.getField(),
                                "message",
                                error.getDefaultMessage() == null ? "is not valid" : error.getDefaultMessage()))
                        .toList();
                problem.setProperty("errors", errors);
            }
            if (request instanceof ServletWebRequest servlet && problem.getInstance() == null) {
                problem.setInstance(java.net.URI.create(servlet.getRequest().getRequestURI()));
            }
        }
        return super.handleExceptionInternal(e, body, headers, status, request);
    }

    private static String code(Exception e, HttpStatusCode status) {
        for (var entry : CODES.entrySet()) {
            if (entry.getKey().isInstance(e)) {
                return entry.getValue();
            }
        }
        return status.is5xxServerError() ? "internal_error" : "bad_request";
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        return RunnerProblems.respond(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal_error",
                "The runner could not handle this request; its log says why",
                request.getRequestURI());
    }
}
