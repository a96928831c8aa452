/**
 * Wire types of the Agent Center API: the JSON shapes that the services, the SDK and the web UI agree on.
 *
 * <p>Records here carry no behaviour. Fields that a create request may omit are nullable; the server fills in the
 * defaults documented on each field. In update (PATCH) requests a {@code null} field means "leave unchanged", and
 * an empty string clears an optional text field.
 */
package dev.agentcenter.model;
