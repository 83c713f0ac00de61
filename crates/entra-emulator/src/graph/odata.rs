//! OData query options (`$select`, `$filter`, `$top`, `$skiptoken`, `$count`, `$expand`,
//! `$orderby`): parsing, the `$filter` expression language subset Graph supports for directory
//! objects (`eq ne gt ge lt le in not and or startswith`), evaluation and paging.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

/// A query-option error: (code, message), always a 400.
pub(crate) type QueryError = (&'static str, String);

/// Parsed query options.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOptions {
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    pub top: Option<u32>,
    pub skiptoken: Option<String>,
    pub count: bool,
    pub expand: Option<Vec<String>>,
    /// `$select` nested in an expansion, `principal($select=id,displayName)`, by property.
    pub expand_select: Vec<(String, Vec<String>)>,
    /// `$expand` nested in an expansion, `policy($expand=rules)`, by property.
    pub expand_nested: Vec<(String, Vec<String>)>,
    pub orderby: Option<(String, bool)>,
    pub search: Option<String>,
    /// The original pairs, for building `@odata.nextLink`.
    pub pairs: Vec<(String, String)>,
}

impl QueryOptions {
    pub fn parse(raw: Option<&str>) -> Result<QueryOptions, QueryError> {
        let mut q = QueryOptions::default();
        let Some(raw) = raw else { return Ok(q) };
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            let (k, v) = (k.into_owned(), v.into_owned());
            q.pairs.push((k.clone(), v.clone()));
            match k.to_ascii_lowercase().as_str() {
                "$select" => {
                    q.select = Some(
                        v.split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "$filter" => {
                    q.filter = Some(
                        Filter::parse(&v)
                            .map_err(|e| ("BadRequest", format!("Invalid filter clause: {e}")))?,
                    )
                }
                "$top" => {
                    let n: i64 = v.trim().parse().map_err(|_| {
                        (
                            "BadRequest",
                            format!("Invalid value '{v}' for $top query option found."),
                        )
                    })?;
                    if !(1..=999).contains(&n) {
                        return Err(("Request_BadRequest", format!("Invalid page size specified: '{n}'. Must be between 1 and 999 inclusive.")));
                    }
                    q.top = Some(n as u32);
                }
                "$skiptoken" => q.skiptoken = Some(v),
                "$count" => q.count = v.eq_ignore_ascii_case("true"),
                "$expand" => {
                    let mut names = Vec::new();
                    for item in split_top_level(&v) {
                        let (name, nested) = match item.split_once('(') {
                            Some((n, rest)) => {
                                let inner = rest.strip_suffix(')').ok_or((
                                    "BadRequest",
                                    format!("Invalid $expand clause '{item}'."),
                                ))?;
                                (n.trim().to_owned(), Some(inner.to_owned()))
                            }
                            None => (item.trim().to_owned(), None),
                        };
                        if let Some(inner) = nested {
                            for opt in inner.split(';').filter(|o| !o.trim().is_empty()) {
                                match opt.split_once('=') {
                                    Some((k, list)) if k.trim().eq_ignore_ascii_case("$expand") => {
                                        q.expand_nested.push((
                                            name.clone(),
                                            split_top_level(list),
                                        ));
                                    }
                                    Some((k, list)) if k.trim().eq_ignore_ascii_case("$select") => {
                                        q.expand_select.push((
                                            name.clone(),
                                            list.split(',')
                                                .map(|x| x.trim().to_owned())
                                                .filter(|x| !x.is_empty())
                                                .collect(),
                                        ));
                                    }
                                    _ => {
                                        return Err((
                                            "BadRequest",
                                            format!("The query option '{}' inside $expand is not supported by the emulator; only $select and $expand are.", opt.trim()),
                                        ))
                                    }
                                }
                            }
                        }
                        if !name.is_empty() {
                            names.push(name);
                        }
                    }
                    q.expand = Some(names);
                }
                "$orderby" => {
                    let mut it = v.split_whitespace();
                    let prop = it.next().unwrap_or("").to_owned();
                    let desc = it.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    q.orderby = Some((prop, desc));
                }
                "$search" => q.search = Some(v),
                "$skip" => {
                    return Err((
                        "Request_BadRequest",
                        "'$skip' is not supported by the service.".to_owned(),
                    ))
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// The `$select` nested in the expansion of `nav`, if any.
    pub fn expand_select(&self, nav: &str) -> Option<&[String]> {
        self.expand_select
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nav))
            .map(|(_, s)| s.as_slice())
    }

    /// The `$expand` nested in the expansion of `nav`, if any.
    pub fn expand_nested(&self, nav: &str) -> Option<&[String]> {
        self.expand_nested
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nav))
            .map(|(_, s)| s.as_slice())
    }

    pub fn expands(&self, nav: &str) -> bool {
        self.expand
            .as_ref()
            .is_some_and(|e| e.iter().any(|x| x.eq_ignore_ascii_case(nav)))
    }

    /// Offset encoded in `$skiptoken`.
    pub fn offset(&self) -> Result<usize, QueryError> {
        match &self.skiptoken {
            None => Ok(0),
            Some(t) => decode_skiptoken(t)
                .ok_or(("Request_BadRequest", "Invalid $skiptoken value.".to_owned())),
        }
    }
}

/// Splits on commas that are not inside parentheses (`a,b($select=x,y)` → `a`, `b($select=x,y)`).
fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("RFNwdAI|emu|{offset}"))
}

fn decode_skiptoken(t: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(t.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    s.strip_prefix("RFNwdAI|emu|")?.parse().ok()
}

/// Characters escaped in query keys and values of `@odata.nextLink` (`$`, `'`, `,`, `(`, `)`
/// and `=` stay literal, as in Graph's links).
const QUERY_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_ESCAPE).to_string()
}

/// One page of a collection and the next link (if any).
pub(crate) fn page(
    items: Vec<Value>,
    q: &QueryOptions,
    default_size: usize,
    url_base: &str,
) -> Result<(Vec<Value>, Option<String>), QueryError> {
    let offset = q.offset()?;
    let size = q.top.map(|t| t as usize).unwrap_or(default_size);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = if offset + size < total {
        let mut parts: Vec<String> = q
            .pairs
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        parts.push(format!("$skiptoken={}", encode_skiptoken(offset + size)));
        Some(format!("{url_base}?{}", parts.join("&")))
    } else {
        None
    };
    Ok((page, next))
}

/// Keeps only the selected keys (and `@odata.type`).
pub(crate) fn apply_select(v: &Value, select: &[String]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    k.as_str() == "@odata.type" || select.iter().any(|s| s.eq_ignore_ascii_case(k))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Sorts by a property (strings case-insensitively).
pub(crate) fn apply_orderby(items: &mut [Value], prop: &str, desc: bool) {
    items.sort_by(|a, b| {
        let ka = get_ci(a, prop).map(sort_key).unwrap_or_default();
        let kb = get_ci(b, prop).map(sort_key).unwrap_or_default();
        if desc {
            kb.cmp(&ka)
        } else {
            ka.cmp(&kb)
        }
    });
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

/// Case-insensitive property lookup.
pub(crate) fn get_ci<'a>(v: &'a Value, prop: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(prop))
        .map(|(_, v)| v)
}

/// A literal in a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Bool(bool),
    Null,
    Num(f64),
    /// An unquoted `DateTimeOffset` (`2026-01-02T03:04:05Z`), compared as a time.
    DateTime(chrono::DateTime<chrono::Utc>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Cmp {
        prop: String,
        op: CmpOp,
        value: Lit,
    },
    In {
        prop: String,
        values: Vec<Lit>,
    },
    StartsWith {
        prop: String,
        value: String,
    },
    /// `collection/any(v: expr)`: some element of the collection matches `expr`, whose
    /// properties are `v/…`; `paths` are those properties as `collection/…` (for validation).
    Any {
        collection: String,
        var: String,
        inner: Box<Filter>,
        paths: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match cs.get(i) {
                        None => return Err("unterminated string literal".to_owned()),
                        Some('\'') if cs.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            _ => {
                let st = i;
                while i < cs.len()
                    && !cs[i].is_whitespace()
                    && !matches!(cs[i], '(' | ')' | ',' | '\'')
                {
                    i += 1;
                }
                out.push(Tok::Word(cs[st..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut l = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            l = Filter::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut l = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            l = Filter::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        let prop = match self.next() {
            Some(Tok::Word(w)) => w,
            other => return Err(format!("expected a property, found {other:?}")),
        };
        if prop.eq_ignore_ascii_case("startswith") {
            self.expect(Tok::LParen)?;
            let p = match self.next() {
                Some(Tok::Word(w)) => w,
                other => return Err(format!("expected a property, found {other:?}")),
            };
            self.expect(Tok::Comma)?;
            let v = match self.next() {
                Some(Tok::Str(s)) => s,
                other => return Err(format!("expected a string, found {other:?}")),
            };
            self.expect(Tok::RParen)?;
            return Ok(Filter::StartsWith { prop: p, value: v });
        }
        if let Some(collection) = prop
            .strip_suffix("/any")
            .or_else(|| prop.strip_suffix("/ANY"))
        {
            return self.lambda(collection);
        }
        let op = match self.next() {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            other => return Err(format!("expected an operator, found {other:?}")),
        };
        if op == "in" {
            self.expect(Tok::LParen)?;
            let mut values = Vec::new();
            loop {
                values.push(self.literal()?);
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => break,
                    other => return Err(format!("expected ',' or ')', found {other:?}")),
                }
            }
            return Ok(Filter::In { prop, values });
        }
        let op = match op.as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            other => return Err(format!("unknown operator '{other}'")),
        };
        Ok(Filter::Cmp {
            prop,
            op,
            value: self.literal()?,
        })
    }
    /// The rest of `collection/any(v: expr)` after `any`.
    fn lambda(&mut self, collection: &str) -> Result<Filter, String> {
        self.expect(Tok::LParen)?;
        // `t:`, `t :` or `t:t/id` (the body glued to the variable).
        let var = match self.next() {
            Some(Tok::Word(w)) => match w.split_once(':') {
                Some((v, rest)) if !v.is_empty() => {
                    if !rest.is_empty() {
                        self.toks.insert(self.pos, Tok::Word(rest.to_owned()));
                    }
                    v.to_owned()
                }
                None if self.peek_word(":") => {
                    self.pos += 1;
                    w
                }
                _ => return Err(format!("expected 'variable:' in any(), found '{w}'")),
            },
            other => return Err(format!("expected 'variable:' in any(), found {other:?}")),
        };
        let inner = self.or()?;
        self.expect(Tok::RParen)?;
        let prefix = format!("{var}/");
        let mut paths = Vec::new();
        for p in inner.props() {
            match p.strip_prefix(&prefix) {
                Some(rest) => paths.push(format!("{collection}/{rest}")),
                None => {
                    return Err(format!(
                        "the property '{p}' inside any() must start with '{prefix}'"
                    ))
                }
            }
        }
        Ok(Filter::Any {
            collection: collection.to_owned(),
            var,
            inner: Box::new(inner),
            paths,
        })
    }
    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Ok(Lit::Bool(true)),
                "false" => Ok(Lit::Bool(false)),
                "null" => Ok(Lit::Null),
                _ => w
                    .parse::<f64>()
                    .map(Lit::Num)
                    .or_else(|_| datetime(&w).map(Lit::DateTime).ok_or(()))
                    .map_err(|_| format!("invalid literal '{w}'")),
            },
            other => Err(format!("expected a literal, found {other:?}")),
        }
    }
}

impl Filter {
    pub fn parse(s: &str) -> Result<Filter, String> {
        let toks = tokenize(s)?;
        if toks.is_empty() {
            return Err("empty filter".to_owned());
        }
        let mut p = Parser { toks, pos: 0 };
        let f = p.or()?;
        if p.pos != p.toks.len() {
            return Err(format!("unexpected token {:?}", p.toks.get(p.pos)));
        }
        Ok(f)
    }

    /// Properties the filter reads.
    pub fn props(&self) -> Vec<&str> {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.props();
                v.extend(b.props());
                v
            }
            Filter::Not(a) => a.props(),
            Filter::Cmp { prop, .. }
            | Filter::In { prop, .. }
            | Filter::StartsWith { prop, .. } => vec![prop.as_str()],
            Filter::Any { paths, .. } => paths.iter().map(String::as_str).collect(),
        }
    }

    /// The first negation operator used (`ne` or `not`), if any.
    pub fn negation(&self) -> Option<&'static str> {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.negation().or_else(|| b.negation()),
            Filter::Not(_) => Some("not"),
            Filter::Cmp { op: CmpOp::Ne, .. } => Some("ne"),
            _ => None,
        }
    }

    /// Whether every match is constrained to `prop` equal to some value (an `eq`/`in` on it that
    /// is required by the expression).
    pub fn requires_eq_on(&self, prop: &str) -> bool {
        match self {
            Filter::And(a, b) => a.requires_eq_on(prop) || b.requires_eq_on(prop),
            Filter::Or(a, b) => a.requires_eq_on(prop) && b.requires_eq_on(prop),
            Filter::Cmp {
                prop: p,
                op: CmpOp::Eq,
                ..
            }
            | Filter::In { prop: p, .. } => p.eq_ignore_ascii_case(prop),
            _ => false,
        }
    }

    /// The string values `prop` must equal for an entity to match (from `eq`/`in` the expression
    /// requires), or `None` when the filter does not pin `prop` down. Lets a handler skip entities
    /// cheaply before evaluating the whole filter; it never changes what matches.
    pub fn eq_values(&self, prop: &str) -> Option<Vec<&str>> {
        match self {
            Filter::And(a, b) => a.eq_values(prop).or_else(|| b.eq_values(prop)),
            Filter::Or(a, b) => {
                let mut v = a.eq_values(prop)?;
                v.extend(b.eq_values(prop)?);
                Some(v)
            }
            Filter::Cmp {
                prop: p,
                op: CmpOp::Eq,
                value: Lit::Str(s),
            } if p.eq_ignore_ascii_case(prop) => Some(vec![s.as_str()]),
            Filter::In { prop: p, values } if p.eq_ignore_ascii_case(prop) => values
                .iter()
                .map(|v| match v {
                    Lit::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// A cheap pre-check before building an entity's JSON: false only for a `(role, principal)`
    /// pair that the filter's pinned `roleDefinitionId` / `principalId` values rule out
    /// (case-insensitive). The pinned values are computed once, here, not once per entity.
    pub fn role_pair_pre_check(&self) -> impl Fn(&str, &str) -> bool + '_ {
        let roles = self.eq_values("roleDefinitionId");
        let principals = self.eq_values("principalId");
        let admits = |pins: &Option<Vec<&str>>, v: &str| {
            pins.as_ref()
                .is_none_or(|p| p.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        move |role: &str, principal: &str| admits(&roles, role) && admits(&principals, principal)
    }

    /// Evaluates against an entity's JSON; `case_sensitive` names properties compared exactly.
    pub fn eval(&self, obj: &Value, case_sensitive: &[&str]) -> bool {
        match self {
            Filter::And(a, b) => a.eval(obj, case_sensitive) && b.eval(obj, case_sensitive),
            Filter::Or(a, b) => a.eval(obj, case_sensitive) || b.eval(obj, case_sensitive),
            Filter::Not(a) => !a.eval(obj, case_sensitive),
            Filter::Any {
                collection,
                var,
                inner,
                ..
            } => get_path(obj, collection)
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items.iter().any(|item| {
                        let mut scope = serde_json::Map::new();
                        scope.insert(var.clone(), item.clone());
                        inner.eval(&Value::Object(scope), case_sensitive)
                    })
                }),
            Filter::Cmp { prop, op, value } => {
                let cs = case_sensitive.iter().any(|c| c.eq_ignore_ascii_case(prop));
                let v = get_path(obj, prop).unwrap_or(&Value::Null);
                match op {
                    CmpOp::Eq => lit_eq(v, value, cs),
                    CmpOp::Ne => !lit_eq(v, value, cs),
                    _ => match lit_cmp(v, value, cs) {
                        Some(o) => match op {
                            CmpOp::Gt => o.is_gt(),
                            CmpOp::Ge => o.is_ge(),
                            CmpOp::Lt => o.is_lt(),
                            CmpOp::Le => o.is_le(),
                            _ => false,
                        },
                        None => false,
                    },
                }
            }
            Filter::In { prop, values } => {
                let cs = case_sensitive.iter().any(|c| c.eq_ignore_ascii_case(prop));
                let v = get_path(obj, prop).unwrap_or(&Value::Null);
                values.iter().any(|l| lit_eq(v, l, cs))
            }
            Filter::StartsWith { prop, value } => match get_path(obj, prop) {
                Some(Value::String(s)) => s.to_lowercase().starts_with(&value.to_lowercase()),
                _ => false,
            },
        }
    }
}

fn lit_eq(v: &Value, l: &Lit, cs: bool) -> bool {
    match (v, l) {
        (Value::String(s), Lit::Str(x)) => {
            if cs {
                s == x
            } else {
                s.eq_ignore_ascii_case(x)
            }
        }
        (Value::Bool(b), Lit::Bool(x)) => b == x,
        (Value::Null, Lit::Null) => true,
        (Value::Number(n), Lit::Num(x)) => n.as_f64() == Some(*x),
        (Value::String(s), Lit::DateTime(x)) => datetime(s).is_some_and(|t| t == *x),
        _ => false,
    }
}

/// A `DateTimeOffset` literal or value: RFC 3339, or a bare date (midnight UTC), as in
/// `activityDateTime ge 2018-01-24` of "List directoryAudits".
fn datetime(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// A property by path (`initiatedBy/user/id`), each step case-insensitive.
pub(crate) fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').try_fold(v, |cur, step| get_ci(cur, step))
}

fn lit_cmp(v: &Value, l: &Lit, cs: bool) -> Option<std::cmp::Ordering> {
    match (v, l) {
        (Value::String(s), Lit::Str(x)) => Some(if cs {
            s.as_str().cmp(x.as_str())
        } else {
            s.to_lowercase().cmp(&x.to_lowercase())
        }),
        (Value::Number(n), Lit::Num(x)) => n.as_f64()?.partial_cmp(x),
        (Value::String(s), Lit::DateTime(x)) => Some(datetime(s)?.cmp(x)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates() {
        let f = Filter::parse("userPrincipalName eq 'A@contoso.com' or (accountEnabled eq true and onPremisesImmutableId in ('x','Y'))").expect("parse");
        let u = json!({"userPrincipalName": "a@contoso.com", "accountEnabled": true, "onPremisesImmutableId": "y"});
        assert!(f.eval(&u, &["onPremisesImmutableId"]));
        let u2 = json!({"userPrincipalName": "b@contoso.com", "accountEnabled": true, "onPremisesImmutableId": "y"});
        assert!(!f.eval(&u2, &["onPremisesImmutableId"]));
        assert!(f.negation().is_none());
        assert_eq!(
            Filter::parse("not(accountEnabled eq true)")
                .expect("p")
                .negation(),
            Some("not")
        );
        assert_eq!(
            Filter::parse("id ne 'x'").expect("p").negation(),
            Some("ne")
        );
        assert!(Filter::parse("id eq").is_err());
        assert!(Filter::parse("displayName eq 'O''Brien'")
            .expect("p")
            .eval(&json!({"displayName": "o'brien"}), &[]));
    }

    #[test]
    fn paths_lambdas_and_datetimes() {
        let audit = json!({
            "activityDateTime": "2026-01-02T03:04:05.678Z",
            "initiatedBy": {"user": {"id": "U1"}, "app": null},
            "targetResources": [{"id": "p1"}, {"id": "r1", "type": "Role"}],
        });
        let f = |s: &str| Filter::parse(s).expect(s);
        assert!(f("initiatedBy/user/id eq 'u1'").eval(&audit, &[]));
        assert!(!f("initiatedBy/app/appId eq 'x'").eval(&audit, &[]));
        assert!(
            f("targetResources/any(t: t/id eq 'r1') and targetResources/any(x:x/id eq 'p1')")
                .eval(&audit, &[])
        );
        assert!(!f("targetResources/any(t: t/id eq 'zz')").eval(&audit, &[]));
        assert_eq!(
            f("targetResources/any(t: t/id eq 'a' or t/displayName eq 'b')").props(),
            ["targetResources/id", "targetResources/displayName"]
        );
        assert!(f("activityDateTime ge 2026-01-02T03:04:05Z").eval(&audit, &[]));
        assert!(f("activityDateTime le 2026-01-03").eval(&audit, &[]));
        assert!(!f("activityDateTime ge 2026-01-02T03:04:06Z").eval(&audit, &[]));
        assert!(Filter::parse("targetResources/any(t: x/id eq 'a')").is_err());
        assert!(Filter::parse("targetResources/any(t t/id eq 'a')").is_err());
        assert!(Filter::parse("activityDateTime ge 2026-13-01").is_err());
    }

    #[test]
    fn requires_eq() {
        assert!(
            Filter::parse("roleDefinitionId eq 'x' and directoryScopeId eq '/'")
                .expect("p")
                .requires_eq_on("roleDefinitionId")
        );
        assert!(
            !Filter::parse("roleDefinitionId eq 'x' or directoryScopeId eq '/'")
                .expect("p")
                .requires_eq_on("roleDefinitionId")
        );
    }

    #[test]
    fn expand_with_nested_select() {
        let q = QueryOptions::parse(Some(
            "$expand=principal($select=id,userPrincipalName),roleDefinition",
        ))
        .expect("parse");
        assert!(q.expands("principal") && q.expands("roleDefinition"));
        assert_eq!(
            q.expand_select("principal"),
            Some(&["id".to_owned(), "userPrincipalName".to_owned()][..])
        );
        assert!(QueryOptions::parse(Some("$expand=principal($top=1)")).is_err());
    }

    #[test]
    fn skiptoken_roundtrip_and_top_bounds() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(300)), Some(300));
        assert!(QueryOptions::parse(Some("$top=1000")).is_err());
        assert!(QueryOptions::parse(Some("$top=0")).is_err());
        assert_eq!(
            QueryOptions::parse(Some("$top=999")).expect("ok").top,
            Some(999)
        );
    }
}
