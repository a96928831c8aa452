package dev.agentcenter.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.model.TaskStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The one list-parameter builder: filters in query order with their wire form, paging, copies for the next page. */
class PageParamsTest {

    @Test
    void queryCarriesWireFormsInOrderAndAnotherPageKeepsTheFilters() {
        UUID project = UUID.randomUUID();
        TaskListParams params = TaskListParams.builder()
                .projectId(project)
                .status(TaskStatus.RUNNING)
                .archived(TaskListParams.Archived.INCLUDE)
                .limit(5)
                .build();

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("workspaceId", null);
        expected.put("projectId", project);
        expected.put("status", TaskStatus.RUNNING.wire());
        expected.put("archived", "include");
        expected.put("limit", 5);
        expected.put("cursor", null);
        assertThat(params.query()).containsExactlyEntriesOf(expected);
        assertThat(params.status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(params.workspaceId()).isNull();

        TaskListParams next = params.withCursor("abc");
        assertThat(next.cursor()).isEqualTo("abc");
        assertThat(next.projectId()).isEqualTo(project);
        assertThat(next.limit()).isEqualTo(5);
        assertThat(next).isNotEqualTo(params).isEqualTo(params.withCursor("abc"));
        assertThat(params.cursor()).isNull();
    }

    @Test
    void everyListTakesOnlyItsOwnFilters() {
        UUID id = UUID.randomUUID();
        assertThat(ListParams.none().query()).containsOnlyKeys("limit", "cursor");
        assertThat(RunListParams.builder().taskId(id).build().query())
                .containsOnlyKeys("taskId", "limit", "cursor")
                .containsEntry("taskId", id);
        assertThat(ProjectListParams.builder().workspaceId(id).build().query())
                .containsOnlyKeys("workspaceId", "limit", "cursor");
        assertThat(RepoConnectionListParams.builder().projectId(id).build().query())
                .containsOnlyKeys("workspaceId", "projectId", "limit", "cursor");
        assertThat(AutomationListParams.builder().enabled(false).build().query())
                .containsOnlyKeys("workspaceId", "projectId", "enabled", "limit", "cursor")
                .containsEntry("enabled", false);
        assertThat(AutomationListParams.none())
                .isEqualTo(AutomationListParams.builder().build());
        assertThat(AutomationListParams.none().toString()).contains("enabled=null");
    }
}
