"""Microsoft's Graph SDK for Python (msgraph-sdk, generated from Microsoft's description of Graph
v1.0) with azure-identity against the emulator: role definitions, role assignments with $filter
and $expand=principal, user paging, creating and deleting an assignment, PIM eligibility
requests, PIM role settings (policy assignments with the policy and its rules expanded, a
policy's rules) and an extension with afterDuration and ticketInfo, an assignment scoped to an
administrative unit (found by displayName, read back by $filter on directoryScopeId), $batch,
and the directory audit log (role changes by the app and by an administrator in the portal,
listed with Graph's filters, order and paging, and read by id). A response the SDK's models cannot parse fails the call; a property the
v1.0 models do not know fails the test (`unknown_properties`)."""
import asyncio
import datetime
import ssl

import httpx
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.expiration_pattern import ExpirationPattern
from msgraph.generated.models.expiration_pattern_type import ExpirationPatternType
from msgraph.generated.models.request_schedule import RequestSchedule
from msgraph.generated.models.ticket_info import TicketInfo
from msgraph.generated.models.unified_role_management_policy_enablement_rule import (
    UnifiedRoleManagementPolicyEnablementRule,
)
from msgraph.generated.models.unified_role_management_policy_expiration_rule import (
    UnifiedRoleManagementPolicyExpirationRule,
)
from msgraph.generated.models.unified_role_assignment import UnifiedRoleAssignment
from msgraph.generated.models.unified_role_eligibility_schedule_request import (
    UnifiedRoleEligibilityScheduleRequest,
)
from msgraph.generated.models.unified_role_schedule_request_actions import (
    UnifiedRoleScheduleRequestActions,
)
from msgraph.generated.models.user import User
from msgraph.generated.role_management.directory.role_assignments.role_assignments_request_builder import (
    RoleAssignmentsRequestBuilder,
)
from msgraph.generated.role_management.directory.role_eligibility_schedule_instances.role_eligibility_schedule_instances_request_builder import (
    RoleEligibilityScheduleInstancesRequestBuilder,
)
from msgraph.generated.policies.role_management_policy_assignments.role_management_policy_assignments_request_builder import (
    RoleManagementPolicyAssignmentsRequestBuilder,
)
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import (
    DirectoryAuditsRequestBuilder,
)
from msgraph.generated.directory.administrative_units.administrative_units_request_builder import (
    AdministrativeUnitsRequestBuilder,
)
from msgraph_core import GraphClientFactory
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from msgraph_core.tasks.page_iterator import PageIterator

from conftest import DEFAULT_SCOPE, unknown_properties

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
SECURITY_READER = "5d6b6bb7-de71-4623-b4af-96380a352509"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
BOB = "eeeeeeee-0000-4000-8000-000000000002"
CAROL = "eeeeeeee-0000-4000-8000-000000000003"


def graph(emu, body):
    """Runs `body(client)` with a Graph client that trusts only the emulator's CA."""

    async def main():
        credential = ClientSecretCredential(
            emu.tenant, emu.app_id, emu.app_secret, connection_verify=emu.ca
        )
        http = httpx.AsyncClient(
            verify=ssl.create_default_context(cafile=emu.ca),
            base_url="https://graph.microsoft.com/v1.0",
        )
        http = GraphClientFactory.create_with_default_middleware(client=http)
        adapter = GraphRequestAdapter(
            AzureIdentityAuthenticationProvider(credential, scopes=DEFAULT_SCOPE), client=http
        )
        try:
            return await body(GraphServiceClient(request_adapter=adapter))
        finally:
            await http.aclose()

    return asyncio.run(main())


def clean(obj):
    assert unknown_properties(obj) == [], "properties the v1.0 models do not know"
    return obj


def test_role_definitions(emu):
    async def body(c):
        return await c.role_management.directory.role_definitions.get()

    r = clean(graph(emu, body))
    by_name = {d.display_name: d for d in r.value}
    ga = by_name["Global Administrator"]
    assert ga.id == GLOBAL_ADMIN and ga.template_id == GLOBAL_ADMIN and ga.is_built_in
    assert len(r.value) > 100


def test_assignments_with_filter_and_expanded_principal(emu):
    async def body(c):
        q = RoleAssignmentsRequestBuilder.RoleAssignmentsRequestBuilderGetQueryParameters(
            filter=f"roleDefinitionId eq '{HELPDESK}'", expand=["principal"]
        )
        return await c.role_management.directory.role_assignments.get(
            RequestConfiguration(query_parameters=q)
        )

    r = clean(graph(emu, body))
    kinds = sorted(type(a.principal).__name__ for a in r.value)
    # The demo tenant: a stale synced user, a guest and a role-assignable group hold Helpdesk.
    assert "Group" in kinds and "User" in kinds, kinds
    assert all(a.role_definition_id == HELPDESK and a.directory_scope_id == "/" for a in r.value)


def test_user_paging(emu):
    async def body(c):
        q = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            top=4, select=["id", "userPrincipalName", "onPremisesImmutableId", "onPremisesSyncEnabled"]
        )
        first = await c.users.get(RequestConfiguration(query_parameters=q))
        assert first.odata_next_link.startswith("https://graph.microsoft.com/v1.0/users?")
        seen = []

        def keep(u):
            seen.append(u)
            return True

        await PageIterator(first, c.request_adapter).iterate(keep)
        return first, seen

    first, users = graph(emu, body)
    clean(first)
    clean(users)
    assert all(isinstance(u, User) for u in users)
    upns = [u.user_principal_name for u in users]
    assert len(upns) == len(set(upns)) >= 14, upns
    assert "alice@contoso.com" in upns


def test_create_and_delete_an_assignment(emu):
    async def body(c):
        made = await c.role_management.directory.role_assignments.post(
            UnifiedRoleAssignment(
                odata_type="#microsoft.graph.unifiedRoleAssignment",
                role_definition_id=HELPDESK,
                principal_id=CAROL,
                directory_scope_id="/",
            )
        )
        got = await c.role_management.directory.role_assignments.by_unified_role_assignment_id(
            made.id
        ).get()
        await c.role_management.directory.role_assignments.by_unified_role_assignment_id(
            made.id
        ).delete()
        return made, got

    made, got = graph(emu, body)
    clean(made)
    clean(got)
    assert (made.principal_id, made.role_definition_id) == (CAROL, HELPDESK)
    assert got.id == made.id


def test_assignment_scoped_to_an_administrative_unit(emu):
    """An administrative unit found by displayName, Helpdesk Administrator assigned at
    /administrativeUnits/{id}, read back by $filter on directoryScopeId, and removed."""
    import os

    europe = os.environ["EMU_AU_EUROPE"]
    scope = f"/administrativeUnits/{europe}"

    async def body(c):
        q = AdministrativeUnitsRequestBuilder.AdministrativeUnitsRequestBuilderGetQueryParameters(
            filter="displayName eq 'Europe'", select=["id", "displayName"]
        )
        units = await c.directory.administrative_units.get(RequestConfiguration(query_parameters=q))
        made = await c.role_management.directory.role_assignments.post(
            UnifiedRoleAssignment(
                odata_type="#microsoft.graph.unifiedRoleAssignment",
                role_definition_id=HELPDESK,
                principal_id=CAROL,
                directory_scope_id=scope,
            )
        )
        f = RoleAssignmentsRequestBuilder.RoleAssignmentsRequestBuilderGetQueryParameters(
            filter=f"roleDefinitionId eq '{HELPDESK}' and directoryScopeId eq '{scope}'"
        )
        scoped = await c.role_management.directory.role_assignments.get(
            RequestConfiguration(query_parameters=f)
        )
        await c.role_management.directory.role_assignments.by_unified_role_assignment_id(
            made.id
        ).delete()
        after = await c.role_management.directory.role_assignments.get(
            RequestConfiguration(query_parameters=f)
        )
        return units, made, scoped, after

    units, made, scoped, after = graph(emu, body)
    clean(units)
    clean(made)
    clean(scoped)
    assert [(u.id, u.display_name) for u in units.value] == [(europe, "Europe")]
    assert made.directory_scope_id == scope
    assert [(a.principal_id, a.directory_scope_id) for a in scoped.value] == [(CAROL, scope)]
    assert after.value == []


def test_pim_eligibility_requests(emu):
    async def body(c):
        start = datetime.datetime.now(datetime.timezone.utc)
        req = UnifiedRoleEligibilityScheduleRequest(
            action=UnifiedRoleScheduleRequestActions.AdminAssign,
            justification="msgraph-sdk test",
            role_definition_id=SECURITY_READER,
            directory_scope_id="/",
            principal_id=BOB,
            schedule_info=RequestSchedule(
                start_date_time=start,
                expiration=ExpirationPattern(type=ExpirationPatternType.NoExpiration),
            ),
        )
        d = c.role_management.directory
        made = await d.role_eligibility_schedule_requests.post(req)
        listed = await d.role_eligibility_schedule_requests.get()
        schedules = await d.role_eligibility_schedules.get()
        q = RoleEligibilityScheduleInstancesRequestBuilder.RoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters(
            filter=f"roleDefinitionId eq '{SECURITY_READER}'"
        )
        instances = await d.role_eligibility_schedule_instances.get(
            RequestConfiguration(query_parameters=q)
        )
        removed = await d.role_eligibility_schedule_requests.post(
            UnifiedRoleEligibilityScheduleRequest(
                action=UnifiedRoleScheduleRequestActions.AdminRemove,
                role_definition_id=SECURITY_READER,
                directory_scope_id="/",
                principal_id=BOB,
            )
        )
        return made, listed, schedules, instances, removed

    made, listed, schedules, instances, removed = graph(emu, body)
    for x in (made, listed, schedules, instances, removed):
        clean(x)
    assert made.status == "Provisioned" and removed.status == "Revoked"
    assert made.id in [r.id for r in listed.value]
    assert BOB in [i.principal_id for i in instances.value]
    assert BOB in [s.principal_id for s in schedules.value]
    assert made.schedule_info.expiration.type == ExpirationPatternType.NoExpiration


def test_pim_role_settings(emu):
    async def body(c):
        q = RoleManagementPolicyAssignmentsRequestBuilder.RoleManagementPolicyAssignmentsRequestBuilderGetQueryParameters(
            filter=f"scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{SECURITY_READER}'",
            expand=["policy($expand=rules)"],
        )
        assignments = await c.policies.role_management_policy_assignments.get(
            RequestConfiguration(query_parameters=q)
        )
        pid = assignments.value[0].policy_id
        rules = await c.policies.role_management_policies.by_unified_role_management_policy_id(
            pid
        ).rules.get()
        return assignments, rules

    assignments, rules = graph(emu, body)
    clean(assignments)
    clean(rules)
    (a,) = assignments.value
    assert (a.scope_id, a.scope_type, a.role_definition_id) == ("/", "DirectoryRole", SECURITY_READER)
    by_id = {r.id: r for r in a.policy.rules}
    assert len(by_id) == 17 and len(rules.value) == 17
    exp = by_id["Expiration_Admin_Eligibility"]
    assert isinstance(exp, UnifiedRoleManagementPolicyExpirationRule)
    assert exp.is_expiration_required is False
    assert exp.maximum_duration == datetime.timedelta(days=365)
    assert exp.target.caller == "Admin" and exp.target.level == "Eligibility"
    en = by_id["Enablement_Admin_Assignment"]
    assert isinstance(en, UnifiedRoleManagementPolicyEnablementRule)
    assert en.enabled_rules == ["Justification"]


def test_pim_extension_with_a_duration_and_a_ticket(emu):
    def request(action, days):
        return UnifiedRoleEligibilityScheduleRequest(
            action=action,
            justification="msgraph-sdk test",
            role_definition_id=SECURITY_READER,
            directory_scope_id="/",
            principal_id=CAROL,
            schedule_info=RequestSchedule(
                start_date_time=datetime.datetime.now(datetime.timezone.utc),
                # As ISO 8601 text: this SDK writes a timedelta as Python's str() ("30 days,
                # 0:00:00"), which is not the Edm.Duration Graph (and the emulator) reads.
                expiration=ExpirationPattern(
                    type=ExpirationPatternType.AfterDuration, duration=f"P{days}D"
                ),
            ),
            ticket_info=TicketInfo(ticket_number="42", ticket_system="RoleSync"),
        )

    async def body(c):
        d = c.role_management.directory
        made = await d.role_eligibility_schedule_requests.post(
            request(UnifiedRoleScheduleRequestActions.AdminAssign, 30)
        )
        extended = await d.role_eligibility_schedule_requests.post(
            request(UnifiedRoleScheduleRequestActions.AdminExtend, 60)
        )
        await d.role_eligibility_schedule_requests.post(
            UnifiedRoleEligibilityScheduleRequest(
                action=UnifiedRoleScheduleRequestActions.AdminRemove,
                role_definition_id=SECURITY_READER,
                directory_scope_id="/",
                principal_id=CAROL,
            )
        )
        return made, extended

    made, extended = graph(emu, body)
    clean(made)
    clean(extended)
    assert extended.action == UnifiedRoleScheduleRequestActions.AdminExtend
    assert extended.schedule_info.expiration.type == ExpirationPatternType.AfterDuration
    assert extended.schedule_info.expiration.duration == datetime.timedelta(days=60)
    assert extended.ticket_info.ticket_system == "RoleSync" and extended.ticket_info.ticket_number == "42"
    assert extended.target_schedule_id == made.target_schedule_id


def test_directory_audits(emu):
    """Role changes by the app (a direct assignment made and removed) and by an administrator
    in the portal, read back from the audit log: filtered by time and category, by the
    acting administrator, by the changed principal (`targetResources/any`), oldest first in
    pages of two, and one record by id."""
    since = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(
        seconds=1
    )
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    portal = emu.portal_change(
        {"action": "add", "roleDefinitionId": SECURITY_READER, "principalId": CAROL, "actor": emu.user}
    )

    async def body(c):
        made = await c.role_management.directory.role_assignments.post(
            UnifiedRoleAssignment(
                odata_type="#microsoft.graph.unifiedRoleAssignment",
                role_definition_id=HELPDESK,
                principal_id=BOB,
                directory_scope_id="/",
            )
        )
        await c.role_management.directory.role_assignments.by_unified_role_assignment_id(
            made.id
        ).delete()
        audits = c.audit_logs.directory_audits

        def query(**kw):
            q = DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(**kw)
            return audits.get(RequestConfiguration(query_parameters=q))

        recent = await query(
            filter=f"activityDateTime ge {stamp} and category eq 'RoleManagement'",
            orderby=["activityDateTime asc"],
            top=2,
        )
        pages = [recent]
        seen = []

        def keep(a):
            seen.append(a)
            return True

        await PageIterator(recent, c.request_adapter).iterate(keep)
        by_admin = await query(
            filter=f"initiatedBy/user/userPrincipalName eq '{emu.user}' and activityDateTime ge {stamp}"
        )
        about_bob = await query(
            filter=f"targetResources/any(t: t/id eq '{BOB}') and loggedByService eq 'Core Directory'"
        )
        one = await audits.by_directory_audit_id(portal["auditId"]).get()
        return pages, seen, by_admin, about_bob, one

    pages, seen, by_admin, about_bob, one = graph(emu, body)
    emu.portal_change(
        {"action": "remove", "roleDefinitionId": SECURITY_READER, "principalId": CAROL, "actor": emu.user}
    )
    for x in (pages, seen, by_admin, about_bob, one):
        clean(x)
    assert pages[0].odata_next_link.startswith("https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?")
    names = [a.activity_display_name for a in seen]
    assert names[-3:] == ["Add member to role", "Add member to role", "Remove member from role"], names
    assert all(a.activity_date_time >= since and a.category == "RoleManagement" for a in seen)
    assert [a.initiated_by.user.user_principal_name for a in by_admin.value] == [emu.user]
    assert sorted(a.activity_display_name for a in about_bob.value) == [
        "Add member to role",
        "Remove member from role",
    ]
    assert all(a.initiated_by.app.app_id == emu.app_id for a in about_bob.value)
    assert one.id == portal["auditId"] and one.logged_by_service == "Core Directory"
    assert one.operation_type == "Assign" and one.result.value == "success"
    user, role = one.target_resources
    assert (user.id, user.type, role.type, role.display_name) == (CAROL, "User", "Role", "Security Reader")
    assert any(p.display_name == "Role.TemplateId" and SECURITY_READER in p.new_value for p in user.modified_properties)


def test_batch(emu):
    async def body(c):
        content = BatchRequestContent()
        defs = c.role_management.directory.role_definitions.by_unified_role_definition_id(
            GLOBAL_ADMIN
        ).to_get_request_information()
        user = c.users.by_user_id("alice@contoso.com").to_get_request_information()
        missing = c.users.by_user_id("nobody@contoso.com").to_get_request_information()
        for info in (defs, user, missing):
            content.add_request(None, BatchRequestItem(request_information=info))
        return content, await c.batch.post(content)

    content, resp = graph(emu, body)
    statuses = {k: v.status for k, v in resp.responses.items()}
    assert sorted(statuses) == sorted(content.requests), statuses
    assert sorted(statuses.values()) == [200, 200, 404], statuses


def test_the_unknown_property_check_sees_a_beta_only_property():
    # The check above is only worth something if it fails on what it looks for: a v1.0 role
    # assignment with the beta-only `resourceScope`, parsed by the SDK's own JSON parser.
    import json

    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

    raw = {"id": "x", "principalId": BOB, "roleDefinitionId": HELPDESK, "directoryScopeId": "/",
           "resourceScope": "/", "principal": {"@odata.type": "#microsoft.graph.user", "id": BOB,
                                               "isManagementRestricted": False, "nope": 1}}
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(raw).encode())
    parsed = node.get_object_value(UnifiedRoleAssignment)
    assert sorted(unknown_properties(parsed)) == ["$.principal.nope", "$.resourceScope"]
