//! Graph response bodies (pages of users, roles, assignments, PIM instances; `$batch`
//! responses) must decode or fail cleanly, and decoded items must convert without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rolesync_entra::model::{
    BatchResponse, DirectoryObjectDto, Page, RoleAssignmentDto, RoleDefinitionDto,
    ScheduleInstanceDto,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = serde_json::from_slice::<Page<DirectoryObjectDto>>(data) {
        for u in &p.value {
            let _ = u.to_user();
            let _ = u.to_principal();
        }
    }
    if let Ok(p) = serde_json::from_slice::<Page<RoleDefinitionDto>>(data) {
        for r in &p.value {
            let _ = r.to_core();
        }
    }
    let _ = serde_json::from_slice::<Page<RoleAssignmentDto>>(data);
    let _ = serde_json::from_slice::<Page<ScheduleInstanceDto>>(data);
    let _ = serde_json::from_slice::<BatchResponse>(data);
});
