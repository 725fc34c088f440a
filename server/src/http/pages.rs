//! The static pages of `web/` (and the built browser module in `web/pkg/`): served as
//! files, with the API's JSON error for anything that is not there or not a GET/HEAD.
//!
//! Made for a 2G link, where every byte and every round trip counts:
//!
//! - **Compressed**: files with a precompressed sibling (`x.wasm.br`, `x.wasm.gz`, written
//!   by `scripts/build-wasm.sh`) are sent as that; everything else is gzipped on the way out
//!   (tower-http's `CompressionLayer`).
//! - **Versioned, cached for good**: every page (`*.html`) is sent with its references to
//!   scripts, styles and the module rewritten under `/v/{build}/`, where `build` is a hash
//!   of every asset of `web/`. A file under `/v/{build}/` of the current build never
//!   changes, so it is cached for a year (`immutable`); relative imports inside the modules
//!   resolve under the same prefix. Pages, the service worker and unversioned paths are
//!   `no-cache` (revalidated; a page carries an `ETag`, so an unchanged one is a 304).
//! - **The service worker knows the build**: `/sw.js` is sent with `__JIANFU_BUILD__`
//!   replaced by the build, so a new build is a new worker and a new offline copy.

use axum::body::Body;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tower::util::BoxCloneSyncService;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

/// The path prefix of versioned assets: `/v/{build}/js/cadre.js`.
const VERSIONED: &str = "/v/";
/// What a file of the current build is cached with.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// What everything else is cached with: keep it, but ask before using it.
const REVALIDATE: &str = "no-cache";
/// The token in `web/sw.js` that becomes the build.
const BUILD_TOKEN: &str = "__JIANFU_BUILD__";

/// The service behind every path that is not under `/api/v1`.
pub fn service(web_dir: &Path) -> MethodRouter {
    let pages = Pages {
        dir: web_dir.to_path_buf(),
        files: BoxCloneSyncService::new(
            ServeDir::new(web_dir)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(true)
                .not_found_service(super::not_found.into_service())
                .map_request(|request: Request| request)
                .map_response(|response| response.map(Body::new)),
        ),
        build: Arc::new(Mutex::new(None)),
    };
    let serve = tower::service_fn(move |request: Request| {
        let pages = pages.clone();
        async move { Ok::<_, Infallible>(pages.serve(request).await) }
    });
    let compressed = ServiceBuilder::new()
        .layer(CompressionLayer::new().gzip(true))
        .service(serve);
    axum::routing::get_service(compressed).fallback(super::method_not_allowed)
}

/// The files of one build: each asset's path, size and modification time.
type Fingerprint = Vec<(String, u64, Option<SystemTime>)>;

#[derive(Clone)]
struct Pages {
    dir: PathBuf,
    files: BoxCloneSyncService<Request, Response, Infallible>,
    /// The last build computed, with the fingerprint it was computed from.
    build: Arc<Mutex<Option<(Fingerprint, String)>>>,
}

impl Pages {
    async fn serve(&self, request: Request) -> Response {
        let path = request.uri().path().to_owned();
        if let Some(rest) = path.strip_prefix(VERSIONED) {
            let Some((build, file)) = rest.split_once('/') else {
                return super::not_found().await;
            };
            let current = self.build().await;
            let mut response = self.file(request, &format!("/{file}")).await;
            let cache = if build == current && response.status().is_success() {
                FOREVER
            } else {
                REVALIDATE
            };
            set_cache(&mut response, cache);
            return response;
        }
        if is_rewritten(&path)
            && let Some(file) = self.local(&path)
            && file.is_file()
        {
            let if_none_match = request
                .headers()
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return self.rewritten(&file, if_none_match.as_deref()).await;
        }
        let mut response = self.file(request, &path).await;
        set_cache(&mut response, REVALIDATE);
        response
    }

    /// The file at `path` of `web/`, through `ServeDir` (ranges, conditional requests,
    /// precompressed siblings).
    async fn file(&self, request: Request, path: &str) -> Response {
        let (mut parts, body) = request.into_parts();
        let query = parts
            .uri
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        match format!("{path}{query}").parse::<Uri>() {
            Ok(uri) => parts.uri = uri,
            Err(_) => return super::not_found().await,
        }
        let request = Request::from_parts(parts, body);
        match self.files.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// The file of `web/` a page path names (`/` and `dir/` name their `index.html`), or
    /// `None` for a path leaving `web/`.
    fn local(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path.trim_start_matches('/'));
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return None;
        }
        let mut file = self.dir.join(relative);
        if path.ends_with('/') {
            file.push("index.html");
        }
        Some(file)
    }

    /// A page with its assets under `/v/{build}/`, or the service worker with its build.
    async fn rewritten(&self, file: &Path, if_none_match: Option<&str>) -> Response {
        let Ok(text) = tokio::fs::read_to_string(file).await else {
            return super::not_found().await;
        };
        let build = self.build().await;
        let is_page = file.extension().is_some_and(|e| e == "html");
        let body = if is_page {
            version_references(&text, &build, |path| {
                self.local(path).is_some_and(|f| f.is_file())
            })
        } else {
            text.replace(BUILD_TOKEN, &build)
        };
        let etag = format!("\"{:016x}\"", fnv1a(body.as_bytes()));
        let content_type = if is_page {
            "text/html; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        let unchanged = if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
        let mut response = if unchanged {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        };
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, etag);
        }
        set_cache(&mut response, REVALIDATE);
        response
    }

    /// The current build: a hash of every asset's path and bytes, computed again only when
    /// a file's size or modification time changed (so an edited file is a new build at
    /// once, and an unchanged tree costs a directory walk).
    async fn build(&self) -> String {
        let dir = self.dir.clone();
        let cached = Arc::clone(&self.build);
        tokio::task::spawn_blocking(move || {
            let fingerprint = fingerprint(&dir);
            let mut cached = cached
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((seen, build)) = cached.as_ref()
                && *seen == fingerprint
            {
                return build.clone();
            }
            let mut hash = FNV_OFFSET;
            for (path, _, _) in &fingerprint {
                hash = fnv1a_from(hash, path.as_bytes());
                hash = fnv1a_from(hash, &std::fs::read(dir.join(path)).unwrap_or_default());
            }
            let build = format!("{:012x}", hash & 0xffff_ffff_ffff);
            *cached = Some((fingerprint, build.clone()));
            build
        })
        .await
        .unwrap_or_else(|_| "unversioned".to_owned())
    }
}

fn has_extension(path: &str, extension: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Pages and the service worker are rewritten; everything else is a plain file.
fn is_rewritten(path: &str) -> bool {
    path.ends_with('/') || has_extension(path, "html") || path == "/sw.js"
}

/// An asset: a file that is neither a page, the service worker, a precompressed copy nor
/// a declaration file.
fn is_asset(path: &str) -> bool {
    !(["html", "gz", "br"].iter().any(|e| has_extension(path, e))
        || path == "sw.js"
        || path.ends_with(".d.ts"))
}

/// Every asset under `dir`, sorted by path (relative, with `/`).
fn fingerprint(dir: &Path) -> Fingerprint {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(dir) else {
                continue;
            };
            let relative = relative.to_string_lossy().replace('\\', "/");
            if is_asset(&relative) {
                found.push((relative, meta.len(), meta.modified().ok()));
            }
        }
    }
    found.sort();
    found
}

/// `src="/x"` and `href="/x"` of an existing asset become `/v/{build}/x`.
fn version_references(html: &str, build: &str, exists: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = ["src=\"/", "href=\"/"]
        .iter()
        .filter_map(|attr| rest.find(attr).map(|i| i + attr.len() - 1))
        .min()
    {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('"').unwrap_or(rest.len());
        let path = &rest[..end];
        let path_only = path.split(['?', '#']).next().unwrap_or(path);
        if !path.starts_with("//")
            && !path.starts_with(VERSIONED)
            && is_asset(path_only.trim_start_matches('/'))
            && exists(path_only)
        {
            out.push_str("/v/");
            out.push_str(build);
        }
        out.push_str(path);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn set_cache(response: &mut Response, value: &'static str) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a_from(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_to_existing_assets_are_versioned() {
        let html = r#"<link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css">
<script type="module" src="/js/cadre.js"></script><a href="/">home</a><a href="/admin.html">a</a>
<link rel="preload" href="/pkg/m.wasm" as="fetch"><img src="/missing.png"><a href="//x.org/a.js">"#;
        let exists =
            |p: &str| ["/app.css", "/js/cadre.js", "/pkg/m.wasm", "/admin.html"].contains(&p);
        let out = version_references(html, "abc", exists);
        assert!(out.contains(r#"href="/v/abc/app.css""#), "{out}");
        assert!(out.contains(r#"src="/v/abc/js/cadre.js""#), "{out}");
        assert!(out.contains(r#"href="/v/abc/pkg/m.wasm""#), "{out}");
        assert!(out.contains(r#"href="/""#), "a page stays: {out}");
        assert!(out.contains(r#"href="/admin.html""#), "a page stays: {out}");
        assert!(out.contains(r#"src="/missing.png""#), "{out}");
        assert!(out.contains(r#"href="//x.org/a.js""#), "{out}");
        assert!(out.contains(r#"href="data:,""#), "{out}");
    }

    #[test]
    fn only_assets_count_for_the_build() {
        assert!(is_asset("js/cadre.js"));
        assert!(is_asset("pkg/jianfu_client_bg.wasm"));
        for other in [
            "cadre.html",
            "sw.js",
            "pkg/x.wasm.gz",
            "pkg/x.wasm.br",
            "pkg/x.d.ts",
        ] {
            assert!(!is_asset(other), "{other}");
        }
    }
}
