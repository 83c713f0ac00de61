//! Stable-Rust stand-in for the cargo-fuzz targets in `fuzz/` (cargo-fuzz needs nightly): a
//! seeded mutator over seed corpora feeds a bounded number of inputs to the config parser, the
//! LDIF parser and the Graph response models, asserting only that nothing panics.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rolesync_entra::model::{
    BatchResponse, DirectoryObjectDto, Page, RoleAssignmentDto, RoleDefinitionDto,
    ScheduleInstanceDto,
};

const ITERATIONS: usize = 3_000;

const CONFIG_SEED: &str = include_str!("../../../../config/rolesync.example.toml");
const LDIF_SEED: &str = include_str!("../../../demo/data/directory.ldif");
const GRAPH_SEEDS: &[&str] = &[
    r##"{"@odata.context":"x","@odata.nextLink":"http://127.0.0.1/v1.0/users?$skiptoken=a","value":[{"id":"eeeeeeee-0000-4000-8000-000000000001","userPrincipalName":"alice@contoso.com","onPremisesSyncEnabled":true,"onPremisesImmutableId":"qqqqqgAAAECAAAAAAAAAAQ==","onPremisesSecurityIdentifier":"S-1-5-21-1-2-3-1101","accountEnabled":true,"userType":"Member"}]}"##,
    r##"{"value":[{"id":"x-1","principalId":"p","roleDefinitionId":"r","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.servicePrincipal","id":"p"}}]}"##,
    r##"{"value":[{"id":"62e90394-69f5-4237-9190-012177145e10","displayName":"Global Administrator","isBuiltIn":true,"isEnabled":true,"templateId":"62e90394-69f5-4237-9190-012177145e10","rolePermissions":[]}]}"##,
    r##"{"responses":[{"id":"1","status":201,"headers":{"Retry-After":"1"},"body":{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"request-id":"r"}}}}]}"##,
    r##"{"value":[{"id":"i","principalId":"p","roleDefinitionId":"r","directoryScopeId":"/","assignmentType":"Activated","memberType":"Direct"}]}"##,
];

/// Byte-level mutations: flip, insert, delete, duplicate a slice, splice interesting tokens.
fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"\n",
        b"::",
        b": ",
        b"\"",
        b"[",
        b"]",
        b"{",
        b"}",
        b"=",
        b"\n ",
        b"-",
        b"\xff",
        b"\0",
        b"null",
        b"999999999999999999999",
        b"[[mappings]]",
        b"dn: ",
        b"member: ",
    ];
    let mut v = input.to_vec();
    for _ in 0..rng.gen_range(1..8) {
        let at = if v.is_empty() {
            0
        } else {
            rng.gen_range(0..v.len())
        };
        match rng.gen_range(0..5) {
            0 if !v.is_empty() => v[at] ^= 1 << rng.gen_range(0..8),
            1 => {
                let t = TOKENS[rng.gen_range(0..TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            2 if !v.is_empty() => {
                let end = (at + rng.gen_range(1..64)).min(v.len());
                v.drain(at..end);
            }
            3 if !v.is_empty() => {
                let end = (at + rng.gen_range(1..64)).min(v.len());
                let part = v[at..end].to_vec();
                v.splice(at..at, part);
            }
            _ => v.truncate(at),
        }
    }
    v
}

fn graph_parse(text: &str) {
    let _ = serde_json::from_str::<Page<DirectoryObjectDto>>(text).map(|p| {
        for u in &p.value {
            let _ = u.to_user();
            let _ = u.to_principal();
        }
    });
    let _ = serde_json::from_str::<Page<RoleDefinitionDto>>(text)
        .map(|p| p.value.iter().for_each(|r| drop(r.to_core())));
    let _ = serde_json::from_str::<Page<RoleAssignmentDto>>(text);
    let _ = serde_json::from_str::<Page<ScheduleInstanceDto>>(text);
    let _ = serde_json::from_str::<BatchResponse>(text);
}

#[test]
fn mutated_inputs_never_panic_the_parsers() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let path = std::path::Path::new("fuzz.toml");
    for i in 0..ITERATIONS {
        let c = mutate(&mut rng, CONFIG_SEED.as_bytes());
        let _ = rolesync_config::parse(path, &String::from_utf8_lossy(&c));
        // The LDIF seed is long: mutate a window of it to keep the run short.
        let start = rng.gen_range(0..LDIF_SEED.len() / 2);
        let l = mutate(&mut rng, &LDIF_SEED.as_bytes()[start..]);
        let _ = rolesync_ad::ldif::parse(&String::from_utf8_lossy(&l));
        let _ = rolesync_ad::snapshot::LdifSource::parse("fuzz", &String::from_utf8_lossy(&l));
        let g = mutate(&mut rng, GRAPH_SEEDS[i % GRAPH_SEEDS.len()].as_bytes());
        graph_parse(&String::from_utf8_lossy(&g));
    }
}
