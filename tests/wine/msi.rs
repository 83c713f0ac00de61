//! The MSI as an admin deploys it, under Wine's `msiexec`: `scripts/build-installer.sh` builds and
//! signs it (a test code-signing CA made here with openssl stands in for the real certificate);
//! both signatures verify and a tampered or wrongly issued file does not; it installs silently
//! (program, Start-menu shortcut, Event Log source with its message file, `%ProgramData%\RoleSync`
//! with its permission rows), the installed exe runs a demo sync that writes its event, a newer
//! build upgrades it keeping the configuration, an older one is refused, and `/x` removes the
//! program and leaves `%ProgramData%\RoleSync`.

use super::*;

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {} {}",
        String::from_utf8_lossy(&out.stdout),
        err(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A code-signing CA and a signer certificate from it, as a `.pfx` with a password.
struct TestSigner {
    ca: PathBuf,
    other_ca: PathBuf,
    pfx: PathBuf,
}

const PFX_PASSWORD: &str = "Test-Pfx-Passw0rd";

fn test_signer(dir: &Path) -> TestSigner {
    std::fs::create_dir_all(dir).unwrap();
    let p = |n: &str| dir.join(n).display().to_string();
    let openssl = |args: &[&str]| sh(Command::new("openssl").args(args).current_dir(dir));
    for ca in ["ca", "other-ca"] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            &p(&format!("{ca}.key")),
            "-out",
            &p(&format!("{ca}.pem")),
            "-subj",
            &format!("/CN=RoleSync test {ca}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    std::fs::write(
        dir.join("signer.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("signer.key"),
        "-out",
        &p("signer.csr"),
        "-subj",
        "/CN=RoleSync test signer",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("signer.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p("signer.ext"),
        "-out",
        &p("signer.pem"),
    ]);
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        &p("signer.key"),
        "-in",
        &p("signer.pem"),
        "-certfile",
        &p("ca.pem"),
        "-out",
        &p("signer.pfx"),
        "-passout",
        &format!("pass:{PFX_PASSWORD}"),
    ]);
    TestSigner {
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other-ca.pem"),
        pfx: dir.join("signer.pfx"),
    }
}

/// `osslsigncode verify` against `ca`: whether the file's Authenticode signature holds.
fn verifies(file: &Path, ca: &Path) -> bool {
    Command::new("osslsigncode")
        .args(["verify", "-CAfile"])
        .arg(ca)
        .arg("-in")
        .arg(file)
        .output()
        .expect("osslsigncode (scripts/install-deps.sh --test installs it)")
        .status
        .success()
}

/// A copy of `file` with one byte changed in its middle.
fn tampered(file: &Path, dir: &Path) -> PathBuf {
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    let out = dir.join(format!(
        "tampered-{}",
        file.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&out, bytes).unwrap();
    out
}

/// A value of the MSI's Property table.
fn msi_property(msi: &Path, name: &str) -> String {
    let table = sh(Command::new("msiinfo")
        .arg("export")
        .arg(msi)
        .arg("Property"));
    table
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}\t")))
        .unwrap_or_else(|| panic!("no {name} in {table}"))
        .trim()
        .to_string()
}

/// The next patch version: the "newer build".
fn newer(version: &str) -> String {
    let mut parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    *parts.last_mut().unwrap() += 1;
    parts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn signed_msi_installs_upgrades_and_uninstalls_under_wine() {
    let Some(w) = Wine::setup("msi") else { return };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = w.tools.clone();

    // The exe as a release ships it (no debug symbols), with the WebView2 loader beside it.
    let exe_dir = scratch.join("exe");
    std::fs::create_dir_all(&exe_dir).unwrap();
    sh(Command::new("x86_64-w64-mingw32-strip")
        .arg("-o")
        .arg(exe_dir.join("rolesync.exe"))
        .arg(&w.exe));
    std::fs::copy(
        w.exe.with_file_name("WebView2Loader.dll"),
        exe_dir.join("WebView2Loader.dll"),
    )
    .unwrap();

    // Two signed builds: this version and a newer one.
    let signer = test_signer(&scratch.join("pki"));
    let build = |version: Option<&str>| -> PathBuf {
        let mut c = Command::new("bash");
        c.arg(repo.join("scripts/build-installer.sh"))
            .current_dir(repo)
            .env("EXE", exe_dir.join("rolesync.exe"))
            .env("OUT", scratch.join("msi"))
            .env("ROLESYNC_SIGN_PFX", &signer.pfx)
            .env("ROLESYNC_SIGN_PASSWORD", PFX_PASSWORD)
            .env_remove("ROLESYNC_SIGN_CERT")
            .env_remove("ROLESYNC_SIGN_KEY")
            .env_remove("ROLESYNC_SIGN_TIMESTAMP_URL")
            .env_remove("ROLESYNC_SIGN_REQUIRED");
        if let Some(v) = version {
            c.env("VERSION", v);
        }
        let out = sh(&mut c);
        PathBuf::from(out.lines().last().unwrap().trim())
    };
    let v1 = build(None);
    let version1 = msi_property(&v1, "ProductVersion");
    let version2 = newer(&version1);
    let v2 = build(Some(&version2));
    assert_eq!(msi_property(&v2, "ProductVersion"), version2);
    assert_eq!(
        msi_property(&v1, "UpgradeCode"),
        msi_property(&v2, "UpgradeCode")
    );
    assert_eq!(msi_property(&v1, "ALLUSERS"), "1", "per-machine");

    // Authenticode: the MSI verifies against the test CA; a tampered copy and another CA do not.
    assert!(verifies(&v1, &signer.ca), "the MSI's signature");
    assert!(
        !verifies(&tampered(&v1, &scratch), &signer.ca),
        "a tampered MSI"
    );
    assert!(
        !verifies(&v1, &signer.other_ca),
        "a signature from another CA"
    );

    // What wixl cannot write, added by the build: the ACL rows and the permanent data folder.
    let locks = sh(Command::new("msiinfo")
        .arg("export")
        .arg(&v1)
        .arg("MsiLockPermissionsEx"));
    assert!(
        locks.contains("DATADIR\tCreateFolder\tO:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"),
        "{locks}"
    );
    let comps = sh(Command::new("msiinfo")
        .arg("export")
        .arg(&v1)
        .arg("Component"));
    assert!(
        comps
            .lines()
            .any(|l| l.starts_with("DataFolder\t") && l.contains("\tDATADIR\t272\t")),
        "{comps}"
    );

    // Silent install.
    let c_drive = w.prefix.join("drive_c");
    std::fs::copy(&v1, c_drive.join("rolesync-1.msi")).unwrap();
    std::fs::copy(&v2, c_drive.join("rolesync-2.msi")).unwrap();
    let msiexec = |args: &[&str]| -> Output {
        let out = w
            .wine_cmd(Path::new("msiexec"))
            .args(args)
            .output()
            .unwrap();
        w.wait_server();
        out
    };
    let inst = msiexec(&[
        "/i",
        r"C:\rolesync-1.msi",
        "/qn",
        "/l*v",
        r"C:\install-1.log",
    ]);
    assert!(inst.status.success(), "{}", err(&inst));
    let installed = c_drive.join("Program Files/RoleSync");
    for f in [
        "rolesync.exe",
        "WebView2Loader.dll",
        "rolesync-messages.dll",
        "rolesync.example.toml",
    ] {
        assert!(installed.join(f).is_file(), "{f} installed");
    }
    // The installed exe and message file carry their signatures; a changed exe does not verify.
    assert!(
        verifies(&installed.join("rolesync.exe"), &signer.ca),
        "the exe's signature"
    );
    assert!(verifies(
        &installed.join("rolesync-messages.dll"),
        &signer.ca
    ));
    assert!(!verifies(
        &tampered(&installed.join("rolesync.exe"), &scratch),
        &signer.ca
    ));
    // The Start-menu shortcut, where this msiexec puts ProgramMenuFolder (Wine: per user).
    let log = String::from_utf8_lossy(&std::fs::read(c_drive.join("install-1.log")).unwrap())
        .into_owned();
    let menu = log
        .lines()
        .find_map(|l| l.split("Property(S): ProgramMenuFolder = ").nth(1))
        .unwrap_or_else(|| panic!("no ProgramMenuFolder in the log"))
        .trim()
        .to_string();
    let menu_unix = c_drive.join(
        menu.trim_start_matches(r"C:\")
            .trim_end_matches('\\')
            .replace('\\', "/"),
    );
    assert!(
        menu_unix.join("RoleSync.lnk").is_file(),
        "{}",
        menu_unix.display()
    );
    // The Event Log source, with its message file, which resolves every event id.
    let source = w
        .reg_query(EVENT_SOURCE_KEY, None)
        .expect("the event source key");
    assert!(
        source.contains(
            r"EventMessageFile    REG_EXPAND_SZ    C:\Program Files\RoleSync\rolesync-messages.dll"
        ),
        "{source}"
    );
    assert!(
        source.contains("TypesSupported    REG_DWORD    0x7"),
        "{source}"
    );
    let ids = [
        "1000", "1001", "1002", "1003", "1004", "1005", "1010", "1020",
    ];
    let mut fmt = w.wine_cmd(&w.tools.join("format_message.exe"));
    fmt.arg(r"C:\Program Files\RoleSync\rolesync-messages.dll")
        .args(ids);
    let formatted = sh(&mut fmt);
    for id in ids {
        assert!(
            formatted.contains(&format!("{id}: probe text")),
            "{formatted}"
        );
    }
    // %ProgramData%\RoleSync exists before RoleSync first runs.
    let pd = w.program_data();
    assert!(pd.is_dir(), "the installer created {}", pd.display());

    // The installed exe: a configuration, and a demo sync that writes its event.
    let exe = installed.join("rolesync.exe");
    let init = w.wine_cmd(&exe).args(["config", "init"]).output().unwrap();
    assert!(init.status.success(), "{}", err(&init));
    let cfg = pd.join("rolesync.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n# edited by the admin before the upgrade\n");
    std::fs::write(&cfg, &text).unwrap();
    let (out, ev) = w.run_traced(&exe, &["sync", "--demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!((ev[0].kind, ev[0].id), (4, 1000), "{ev:?}");
    assert!(
        ev[0]
            .text
            .starts_with("RoleSync sync --demo: 4 granted, 3 revoked (exit 0)\n"),
        "{ev:?}"
    );

    // A newer build upgrades in place: one product, the new version, the configuration kept.
    let uninstall = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall";
    let code1 = msi_property(&v1, "ProductCode");
    let code2 = msi_property(&v2, "ProductCode");
    assert_ne!(code1, code2);
    assert!(w
        .reg_query(&format!(r"{uninstall}\{code1}"), None)
        .is_some());
    let up = msiexec(&[
        "/i",
        r"C:\rolesync-2.msi",
        "/qn",
        "/l*v",
        r"C:\install-2.log",
    ]);
    assert!(up.status.success(), "{}", err(&up));
    let log = String::from_utf8_lossy(&std::fs::read(c_drive.join("install-2.log")).unwrap())
        .into_owned();
    assert!(log.contains("WIX_UPGRADE_DETECTED = "), "a major upgrade");
    assert!(
        w.reg_query(&format!(r"{uninstall}\{code1}"), None)
            .is_none(),
        "the old version is gone"
    );
    let entry = w
        .reg_query(&format!(r"{uninstall}\{code2}"), Some("DisplayVersion"))
        .unwrap();
    assert!(entry.contains(&version2), "{entry}");
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        text,
        "the configuration is kept"
    );
    let v = w.wine_cmd(&exe).arg("--version").output().unwrap();
    assert!(v.status.success() && String::from_utf8_lossy(&v.stdout).starts_with("rolesync "));

    // An older build does not replace a newer one.
    let down = msiexec(&["/i", r"C:\rolesync-1.msi", "/qn"]);
    assert!(!down.status.success(), "a downgrade is refused");
    assert!(w
        .reg_query(&format!(r"{uninstall}\{code2}"), None)
        .is_some());

    // Silent removal: the program, its shortcut and the event source go; the configuration,
    // logs and reports in %ProgramData%\RoleSync stay.
    let rm = msiexec(&["/x", r"C:\rolesync-2.msi", "/qn"]);
    assert!(rm.status.success(), "{}", err(&rm));
    assert!(
        !installed.join("rolesync.exe").exists(),
        "the exe is removed"
    );
    assert!(
        !menu_unix.join("RoleSync.lnk").exists(),
        "the shortcut is removed"
    );
    assert!(
        w.reg_query(EVENT_SOURCE_KEY, None).is_none(),
        "the event source is removed"
    );
    assert!(w
        .reg_query(&format!(r"{uninstall}\{code2}"), None)
        .is_none());
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        text,
        "the configuration stays"
    );
    assert!(
        pd.join("logs/audit.jsonl").is_file(),
        "the audit file stays"
    );
}
