//! A small W3C WebDriver client over HTTP (enough for these tests), and the harness that starts
//! Xvfb (unless a display is set) and WebKitWebDriver, and stops both by PID. Screenshots are
//! taken from the X display, not through WebDriver: RoleSync's window draws without WebKitGTK's
//! compositing (`src-tauri/src/desktop/webview_linux.rs`), and WebKitWebDriver's screenshot
//! command never answers for such a web view (WebKitGTK 2.50, measured).

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver key codes.
pub const TAB: char = '\u{E004}';
/// Enter.
pub const ENTER: char = '\u{E007}';
/// Escape.
pub const ESCAPE: char = '\u{E00C}';
/// Shift, held for the next key in [`Session::keys`].
pub const SHIFT: char = '\u{E008}';

/// A deadline to wait for conditions (never a fixed sleep).
pub fn wait_until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::yield_now();
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

/// The processes a test needs; dropped → stopped.
pub struct Harness {
    xvfb: Option<Child>,
    driver: Child,
    /// The X display the app is shown on.
    display: String,
    /// WebDriver's base URL.
    pub url: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts Xvfb on a display it picks itself (`-displayfd`: it skips displays in use and takes
/// over stale locks that killed servers left) and returns it once it accepts connections.
fn start_xvfb() -> (Child, String) {
    use std::io::BufRead;
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (apt-get install xvfb)");
    let mut line = String::new();
    let read =
        std::io::BufReader::new(child.stdout.take().expect("Xvfb's stdout")).read_line(&mut line);
    match (read, line.trim().parse::<u32>()) {
        (Ok(_), Ok(n)) => (child, format!(":{n}")),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Xvfb did not start (it printed no display number: {line:?})");
        }
    }
}

/// Stops a process by PID with SIGTERM (Xvfb then removes its lock file), SIGKILL after 5 s.
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::park_timeout(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Harness {
    /// Starts Xvfb (when `DISPLAY` is not set) and WebKitWebDriver with `env` for the app.
    pub fn start(env: &[(&str, String)]) -> Self {
        let (xvfb, display) = match std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
            Some(d) => (None, d),
            None => {
                let (c, d) = start_xvfb();
                (Some(c), d)
            }
        };
        let port = free_port();
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.args([format!("--port={port}"), "--host=127.0.0.1".into()])
            .env("DISPLAY", &display)
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = cmd
            .spawn()
            .expect("WebKitWebDriver (apt-get install webkit2gtk-driver)");
        let url = format!("http://127.0.0.1:{port}");
        let h = Self {
            xvfb,
            driver,
            display,
            url,
        };
        wait_until("WebKitWebDriver to answer", Duration::from_secs(20), || {
            ureq::get(&format!("{}/status", h.url)).call().ok()
        });
        h
    }

    /// WebKitWebDriver's process id (the app and its WebKit processes run below it).
    #[allow(dead_code)] // used by benches/window_memory.rs, which shares this module
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }

    /// Opens a session on the app binary (the window appears).
    pub fn session(&self, binary: &Path, args: &[&str]) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": binary, "args": args}
        }}});
        let v = post(&format!("{}/session", self.url), caps);
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Session {
            base: format!("{}/session/{id}", self.url),
            display: self.display.clone(),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Some(x) = &mut self.xvfb {
            terminate(x);
        }
    }
}

/// Saves the root window of X `display` as a PNG (RGB, from the root visual's colour masks).
fn capture_display(display: &str, path: &Path) {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};
    let (conn, n) = x11rb::connect(Some(display)).expect("connecting to the X display");
    let setup = conn.setup();
    let screen = &setup.roots[n];
    let (w, h) = (screen.width_in_pixels, screen.height_in_pixels);
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, w, h, !0)
        .expect("GetImage")
        .reply()
        .expect("the display's pixels");
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|d| &d.visuals)
        .find(|v| v.visual_id == screen.root_visual)
        .expect("the root visual");
    let bpp = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == image.depth)
        .map(|f| usize::from(f.bits_per_pixel))
        .expect("a pixmap format for the root's depth");
    assert_eq!(bpp, 32, "only 32-bit pixels are read (Xvfb at depth 24)");
    let channel = |px: u32, mask: u32| ((px & mask) >> mask.trailing_zeros()) as u8;
    let mut rgb = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    for px in image.data.chunks_exact(4) {
        let px = [px[0], px[1], px[2], px[3]];
        let px = if setup.image_byte_order == ImageOrder::LSB_FIRST {
            u32::from_le_bytes(px)
        } else {
            u32::from_be_bytes(px)
        };
        rgb.extend([
            channel(px, visual.red_mask),
            channel(px, visual.green_mask),
            channel(px, visual.blue_mask),
        ]);
    }
    let file = std::fs::File::create(path).expect("write screenshot");
    let mut png = png::Encoder::new(std::io::BufWriter::new(file), w.into(), h.into());
    png.set_color(png::ColorType::Rgb);
    png.set_depth(png::BitDepth::Eight);
    png.write_header()
        .and_then(|mut wr| wr.write_image_data(&rgb))
        .expect("encode the screenshot");
}

fn post(url: &str, body: Value) -> Value {
    match ureq::post(url).send_json(body) {
        Ok(r) => r.into_json::<Value>().expect("json")["value"].clone(),
        Err(ureq::Error::Status(code, r)) => {
            let text = r.into_string().unwrap_or_default();
            panic!("POST {url}: {code} {text}")
        }
        Err(e) => panic!("POST {url}: {e}"),
    }
}

fn try_post(url: &str, body: Value) -> Option<Value> {
    ureq::post(url)
        .send_json(body)
        .ok()
        .and_then(|r| r.into_json::<Value>().ok())
        .map(|v| v["value"].clone())
}

fn get(url: &str) -> Value {
    match ureq::get(url).call() {
        Ok(r) => r.into_json::<Value>().expect("json")["value"].clone(),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// A WebDriver session on the app.
pub struct Session {
    base: String,
    display: String,
}

/// An element of the page.
#[derive(Clone)]
pub struct Element<'a> {
    s: &'a Session,
    id: String,
}

impl Session {
    /// The first element matching `css`, if any now.
    pub fn find(&self, css: &str) -> Option<Element<'_>> {
        let v = try_post(
            &format!("{}/element", self.base),
            json!({"using": "css selector", "value": css}),
        )?;
        v[ELEMENT_KEY].as_str().map(|id| Element {
            s: self,
            id: id.to_string(),
        })
    }

    /// Every element matching `css` now.
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let v = post(
            &format!("{}/elements", self.base),
            json!({"using": "css selector", "value": css}),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element {
                        s: self,
                        id: id.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits for an element matching `css` (up to `secs`).
    pub fn wait(&self, css: &str, secs: u64) -> Element<'_> {
        wait_until(css, Duration::from_secs(secs), || self.find(css))
    }

    /// Waits until no element matches `css`.
    pub fn wait_gone(&self, css: &str, secs: u64) {
        wait_until(&format!("{css} to go"), Duration::from_secs(secs), || {
            self.find(css).is_none().then_some(())
        })
    }

    /// Saves a PNG screenshot of the display after two animation frames.
    pub fn screenshot(&self, path: &Path) {
        post(
            &format!("{}/execute/async", self.base),
            json!({"script": "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", "args": []}),
        );
        std::fs::create_dir_all(path.parent().expect("folder")).expect("screenshot folder");
        capture_display(&self.display, path);
    }

    /// Navigates to a page of the app by its nav link and waits until it is drawn.
    pub fn page(&self, name: &str) {
        self.wait(&format!("#nav a[data-page={name}]"), 10).click();
        self.wait(&format!("main[data-ready={name}]"), 10);
    }

    /// Runs a script in the page and returns its result.
    pub fn run_script(&self, script: &str) -> Value {
        post(
            &format!("{}/execute/sync", self.base),
            json!({ "script": script, "args": [] }),
        )
    }

    /// Scrolls an element to the middle of the window (clear of the sticky action bar).
    pub fn scroll_to(&self, css: &str) {
        self.run_script(&format!(
            "document.querySelector({css:?}).scrollIntoView({{block: 'center'}});"
        ));
    }

    /// Runs an asynchronous script (it calls `arguments[arguments.length - 1]` with its result).
    pub fn run_async(&self, script: &str, args: Value) -> Value {
        post(
            &format!("{}/execute/async", self.base),
            json!({ "script": script, "args": args }),
        )
    }

    /// The rendered text of the first element matching `css` now, read in one step (no element
    /// reference that a redraw could make stale).
    pub fn text_of(&self, css: &str) -> Option<String> {
        self.run_script(&format!(
            "const e = document.querySelector({css:?}); return e ? e.innerText : null;"
        ))
        .as_str()
        .map(str::to_string)
    }

    /// Sizes the window (its outer size), as a user would.
    pub fn set_size(&self, width: u32, height: u32) {
        post(
            &format!("{}/window/rect", self.base),
            json!({ "width": width, "height": height }),
        );
    }

    /// Presses keys, one after the other (W3C key actions; `\u{E004}` Tab, `\u{E006}` Enter,
    /// `\u{E00C}` Escape, `\u{E008}` Shift held for the next key).
    pub fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        let mut shift = false;
        for k in keys.chars() {
            if k == SHIFT {
                actions.push(json!({"type": "keyDown", "value": SHIFT.to_string()}));
                shift = true;
                continue;
            }
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
            if shift {
                actions.push(json!({"type": "keyUp", "value": SHIFT.to_string()}));
                shift = false;
            }
        }
        post(
            &format!("{}/actions", self.base),
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        let _ = ureq::delete(&format!("{}/actions", self.base)).call();
    }

    /// The focused element's `data-testid` (or tag and text) and whether it is inside `css`.
    pub fn focus_in(&self, css: &str) -> (String, bool) {
        let v = self.run_script(&format!(
            "const a = document.activeElement; return [a ? (a.getAttribute('data-testid') || a.tagName + ':' + (a.textContent || '').trim().slice(0, 30)) : '', !!(a && a.closest({css:?}))];"
        ));
        (
            v[0].as_str().unwrap_or_default().to_string(),
            v[1].as_bool().unwrap_or(false),
        )
    }

    /// Closes the session (the app exits).
    pub fn close(self) {
        let _ = ureq::delete(&self.base).call();
    }
}

impl Element<'_> {
    fn url(&self, what: &str) -> String {
        format!("{}/element/{}/{what}", self.s.base, self.id)
    }

    /// Clicks it.
    pub fn click(&self) {
        post(&self.url("click"), json!({}));
    }

    /// Types into it.
    pub fn type_text(&self, text: &str) {
        post(&self.url("value"), json!({ "text": text }));
    }

    /// Empties an input.
    pub fn clear(&self) {
        post(&self.url("clear"), json!({}));
    }

    /// Its rendered text.
    pub fn text(&self) -> String {
        get(&self.url("text"))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Whether it is displayed (WebDriver's "element displayedness").
    pub fn displayed(&self) -> bool {
        get(&self.url("displayed")).as_bool().unwrap_or(false)
    }

    /// Whether it is enabled.
    pub fn enabled(&self) -> bool {
        get(&self.url("enabled")).as_bool().unwrap_or(false)
    }

    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<String> {
        get(&self.url(&format!("attribute/{name}")))
            .as_str()
            .map(str::to_string)
    }
}
