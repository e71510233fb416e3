"""Projects and their tasks, boards, phases and templates (API v2), and roles and users' settings (API v1):
the commercial driver's Projects, Tasks, Roles, RolesAssignments, RolesSetting, and the views around them.
"""

from __future__ import annotations

from pipedrive_sql.catalog.declare import c, id_pushdowns, v1_writes, v2_writes
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec, WriteSpec
from pipedrive_sql.catalog.tables_collab import parent
from pipedrive_sql.catalog.types import BIGINT, BIGINT_LIST, BOOLEAN, DATE, TIMESTAMP, VARCHAR

__all__ = ["PROJECT_TABLES"]

_PROJECT_COLUMNS = (
    c("id", BIGINT, "The project's ID."),
    c("title", VARCHAR, "Title."),
    c("description", VARCHAR, "Description."),
    c("status", VARCHAR, "open, completed, canceled or deleted."),
    c("board_id", BIGINT, "The board.", references=("ProjectBoards", "Id")),
    c("phase_id", BIGINT, "The phase.", references=("ProjectPhases", "Id")),
    c("owner_id", BIGINT, "The user who owns the project."),
    c("start_date", DATE, "Start date."),
    c("end_date", DATE, "End date."),
    c("deal_ids", BIGINT_LIST, "Deals linked to the project."),
    c("person_ids", BIGINT_LIST, "Persons linked to the project."),
    c("org_ids", BIGINT_LIST, "Organizations linked to the project."),
    c("label_ids", BIGINT_LIST, "Labels."),
    c("health_status", BIGINT, "Health status."),
    c("add_time", TIMESTAMP, "When the project was created."),
    c("update_time", TIMESTAMP, "When the project was last updated."),
    c("status_change_time", TIMESTAMP, "When the status last changed.", read_only=True),
    c("archive_time", TIMESTAMP, "When the project was archived."),
)

_PROJECT_PUSHDOWNS = (
    Pushdown(
        "Status", "status", "eq", "str", max_fanout=4, choices=("open", "completed", "canceled", "deleted")
    ),
    *id_pushdowns("phase_id"),
)

PROJECTS = TableSpec(
    name="Projects",
    endpoint="/api/v2/projects",
    columns=_PROJECT_COLUMNS,
    description="Projects that are not archived (ArchivedProjects has the others).",
    get_path="/api/v2/projects/{id}",
    pushdowns=_PROJECT_PUSHDOWNS,
    sort_style="",
    writes=v2_writes("projects"),
)

ARCHIVED_PROJECTS = TableSpec(
    name="ArchivedProjects",
    endpoint="/api/v2/projects/archived",
    columns=_PROJECT_COLUMNS,
    description="Archived projects.",
    pushdowns=_PROJECT_PUSHDOWNS,
    sort_style="",
    kind="VIEW",
)

TASKS = TableSpec(
    name="Tasks",
    endpoint="/api/v2/tasks",
    columns=(
        c("id", BIGINT, "The task's ID."),
        c("title", VARCHAR, "Title."),
        c("project_id", BIGINT, "The project.", references=("Projects", "Id")),
        c("parent_task_id", BIGINT, "The parent task.", references=("Tasks", "Id")),
        c("description", VARCHAR, "Description."),
        c("is_done", BOOLEAN, "Whether the task is done."),
        c("is_milestone", BOOLEAN, "Whether the task is a milestone."),
        c("due_date", DATE, "Due date."),
        c("start_date", DATE, "Start date."),
        c("assignee_ids", BIGINT_LIST, "Users assigned."),
        c("priority", BIGINT, "Priority."),
        c("creator_id", BIGINT, "The user who created the task."),
        c("add_time", TIMESTAMP, "When the task was created."),
        c("update_time", TIMESTAMP, "When the task was last updated."),
        c("marked_as_done_time", TIMESTAMP, "When the task was marked done."),
    ),
    description="Tasks of projects. ProjectId, ParentTaskId, IsDone and IsMilestone push down.",
    get_path="/api/v2/tasks/{id}",
    pushdowns=(
        *id_pushdowns("project_id", "parent_task_id"),
        Pushdown("IsDone", "is_done", "eq", "bool"),
        Pushdown("IsMilestone", "is_milestone", "eq", "bool"),
    ),
    sort_style="",
    writes=v2_writes("tasks"),
)

PROJECT_BOARDS = TableSpec(
    name="ProjectBoards",
    endpoint="/api/v2/boards",
    columns=(
        c("id", BIGINT, "The board's ID."),
        c("name", VARCHAR, "Name."),
        c("order_nr", BIGINT, "Position."),
        c("add_time", TIMESTAMP, "When the board was created."),
        c("update_time", TIMESTAMP, "When the board was last updated."),
    ),
    description="Project boards.",
    get_path="/api/v2/boards/{id}",
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=v2_writes("boards"),
)

PROJECT_PHASES = TableSpec(
    name="ProjectPhases",
    endpoint="/api/v2/phases",
    columns=(
        c("id", BIGINT, "The phase's ID."),
        c("name", VARCHAR, "Name."),
        c("board_id", BIGINT, "The board.", references=("ProjectBoards", "Id")),
        c("order_nr", BIGINT, "Position on the board."),
        c("add_time", TIMESTAMP, "When the phase was created."),
        c("update_time", TIMESTAMP, "When the phase was last updated."),
    ),
    description="Phases of project boards: one request per board; a BoardId condition reads only those.",
    get_path="/api/v2/phases/{id}",
    source=Source(table="ProjectBoards", column="BoardId", param="board_id", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=v2_writes("phases"),
)

PROJECT_TEMPLATES = TableSpec(
    name="ProjectTemplates",
    endpoint="/api/v2/projectTemplates",
    columns=(
        c("id", BIGINT, "The template's ID."),
        c("title", VARCHAR, "Title."),
        c("description", VARCHAR, "Description."),
        c(
            "projects_board_id",
            BIGINT,
            "The board projects from it start on.",
            references=("ProjectBoards", "Id"),
        ),
        c("owner_id", BIGINT, "The user who owns the template."),
        c("add_time", TIMESTAMP, "When the template was created."),
        c("update_time", TIMESTAMP, "When the template was last updated."),
    ),
    description="Project templates.",
    get_path="/api/v2/projectTemplates/{id}",
    sort_style="",
)

PROJECT_PERMITTED_USERS = TableSpec(
    name="ProjectPermittedUsers",
    endpoint="/api/v2/projects/{id}/permittedUsers",
    columns=(
        parent("ProjectId", "Projects", "The project."),
        Column(
            "UserId",
            BIGINT,
            ("value",),
            description="A user who may see the project.",
            references=("Users", "Id"),
        ),
    ),
    description="Users permitted to see each project: one request per project.",
    source=Source(table="Projects", column="ProjectId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PROJECT_GROUPS = TableSpec(
    name="ProjectGroups",
    endpoint="/api/v1/projects/{id}/groups",
    columns=(
        parent("ProjectId", "Projects", "The project."),
        c("id", BIGINT, "The group's ID."),
        c("name", VARCHAR, "Name."),
        c("order_nr", BIGINT, "Position."),
    ),
    description="Task groups of each project: one request per project.",
    source=Source(table="Projects", column="ProjectId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PROJECT_PLAN = TableSpec(
    name="ProjectPlan",
    endpoint="/api/v1/projects/{id}/plan",
    columns=(
        parent("ProjectId", "Projects", "The project."),
        c("item_id", BIGINT, "The task's or activity's ID."),
        c("item_type", VARCHAR, "task or activity."),
        c("phase_id", BIGINT, "The phase it is in.", references=("ProjectPhases", "Id")),
        c("group_id", BIGINT, "The group it is in."),
    ),
    description="Where each task and activity of each project sits (phase and group): one request per project.",
    source=Source(table="Projects", column="ProjectId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

# ---- roles ---------------------------------------------------------------------------------------------

ROLES = TableSpec(
    name="Roles",
    endpoint="/api/v1/roles",
    columns=(
        c("id", BIGINT, "The role's ID."),
        c("name", VARCHAR, "Name."),
        c("parent_role_id", BIGINT, "The parent role.", references=("Roles", "Id")),
        c("active_flag", BOOLEAN, "Whether the role is active.", read_only=True),
        c("assignment_count", BIGINT, "Users with the role.", read_only=True),
        c("sub_role_count", BIGINT, "Roles below it.", read_only=True),
        c("level", BIGINT, "Depth in the role tree.", read_only=True),
    ),
    description="Roles (the visibility hierarchy of users).",
    get_path="/api/v1/roles/{id}",
    get_by_id_max=10,
    sort_style="",
    writes=v1_writes("roles"),
)

ROLES_ASSIGNMENTS = TableSpec(
    name="RolesAssignments",
    endpoint="/api/v1/roles/{id}/assignments",
    columns=(
        Column("RoleId", BIGINT, ("role_id",), description="The role.", references=("Roles", "Id")),
        Column(
            "UserId",
            BIGINT,
            ("user_id",),
            description="The user assigned.",
            key=True,
            nullable=False,
            references=("Users", "Id"),
        ),
        c("name", VARCHAR, "The role's name.", read_only=True),
        c("parent_role_id", BIGINT, "The role's parent.", references=("Roles", "Id"), read_only=True),
        c("active_flag", BOOLEAN, "Whether the assignment is active.", read_only=True),
        c("type", VARCHAR, "Assignment type.", read_only=True),
    ),
    description="Which user has which role: one request per role; a RoleId condition reads only those.",
    source=Source(table="Roles", column="RoleId", batch=1),
    writes=WriteSpec("/api/v1/roles/{role_id}/assignments", "", "", ""),
    sort_style="",
)

ROLES_SETTING = TableSpec(
    name="RolesSetting",
    endpoint="/api/v1/roles/{id}/settings",
    columns=(
        Column(
            "RoleId",
            BIGINT,
            ("_parent_id",),
            description="The role (one row per role).",
            key=True,
            nullable=False,
            references=("Roles", "Id"),
        ),
        *(
            c(key, BIGINT, description)
            for key, description in (
                ("deal_default_visibility", "Default visibility of new deals (1, 3, 5, 7)."),
                ("lead_default_visibility", "Default visibility of new leads."),
                ("org_default_visibility", "Default visibility of new organizations."),
                ("person_default_visibility", "Default visibility of new persons."),
                ("product_default_visibility", "Default visibility of new products."),
                ("deal_access_level", "Access to deals (1 owner's only, 7 all)."),
                ("org_access_level", "Access to organizations."),
                ("person_access_level", "Access to persons."),
                ("product_access_level", "Access to products."),
            )
        ),
    ),
    description="Each role's visibility settings: one request (one row) per role.",
    source=Source(table="Roles", column="RoleId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
)

ROLE_PIPELINES = TableSpec(
    name="RolePipelines",
    endpoint="/api/v1/roles/{id}/pipelines",
    columns=(
        parent("RoleId", "Roles", "The role."),
        Column("PipelineIds", BIGINT_LIST, ("pipeline_ids",), description="Pipelines the role sees."),
        c("visible", BOOLEAN, "Whether the list is of visible (true) or hidden pipelines."),
    ),
    description="The pipelines each role can see: one row per role.",
    source=Source(table="Roles", column="RoleId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

CURRENT_USERS = TableSpec(
    name="CurrentUsers",
    endpoint="/api/v1/users/me",
    columns=(
        c("id", BIGINT, "The signed-in user's ID."),
        c("name", VARCHAR, "Name."),
        c("email", VARCHAR, "Email address."),
        c("phone", VARCHAR, "Phone number."),
        c("default_currency", VARCHAR, "Default currency."),
        c("locale", VARCHAR, "Locale."),
        c("lang", BIGINT, "Language ID."),
        c("timezone_name", VARCHAR, "Time zone."),
        c("role_id", BIGINT, "Role.", references=("Roles", "Id")),
        c("is_admin", BOOLEAN, "Whether the user is an admin."),
        c("company_id", BIGINT, "The company's ID."),
        c("company_name", VARCHAR, "The company's name."),
        c("company_domain", VARCHAR, "The company's Pipedrive subdomain."),
        c("company_country", VARCHAR, "The company's country."),
        c("last_login", TIMESTAMP, "Last login."),
        c("created", TIMESTAMP, "When the user was created."),
    ),
    description="The signed-in user and their company (one row).",
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

USER_PERMISSIONS = TableSpec(
    name="UserPermissions",
    endpoint="/api/v1/users/{id}/permissions",
    columns=(
        parent("UserId", "Users", "The user."),
        *(
            c(name, BOOLEAN, name.replace("_", " ").capitalize() + ".")
            for name in (
                "can_add_custom_fields",
                "can_add_products",
                "can_bulk_edit_items",
                "can_change_visibility_of_items",
                "can_delete_activities",
                "can_delete_deals",
                "can_edit_products",
                "can_export_data_from_lists",
                "can_merge_deals",
                "can_see_company_wide_statistics",
                "can_see_other_users",
                "can_use_api",
                "can_use_import",
            )
        ),
    ),
    description="What each user may do (one row per user).",
    source=Source(table="Users", column="UserId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PROJECT_TABLES: tuple[TableSpec, ...] = (
    PROJECTS,
    ROLES,
    ROLES_ASSIGNMENTS,
    ROLES_SETTING,
    TASKS,
    ARCHIVED_PROJECTS,
    PROJECT_BOARDS,
    PROJECT_PHASES,
    PROJECT_TEMPLATES,
    PROJECT_PERMITTED_USERS,
    PROJECT_GROUPS,
    PROJECT_PLAN,
    ROLE_PIPELINES,
    CURRENT_USERS,
    USER_PERMISSIONS,
)
