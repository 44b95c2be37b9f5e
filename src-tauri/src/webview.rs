//! WebView set-up for the chat window. On Linux, WebKitGTK's DMA-BUF renderer costs about
//! 90 MiB more in the web process when OpenGL is Mesa's software rasteriser, as on machines
//! without a GPU driver (measured with `make bench`: idle PSS of the process tree 329 → 233 MiB).
//! A chat window gains nothing from it, and it is the renderer most often reported to show a
//! blank window on some GPU drivers. Compositing itself stays on.

/// Must run before GTK and WebKit start (first thing in `main`). A user's own setting wins,
/// `WEBKIT_DISABLE_DMABUF_RENDERER=0` included.
pub fn prepare_environment() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1") };
    }
}
