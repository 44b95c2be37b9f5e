//! The XML stream (RFC 6120 §4) between Hongyan and its server: stream headers and restarts,
//! stream-level elements in (as tokio-xmpp's [`XmppStreamElement`]) and out, idle timeouts.
//!
//! Why Hongyan owns this instead of using tokio-xmpp's `XmppStream`: tokio-xmpp 6 builds its
//! rxml parser with `Parser::default()` inside a private constructor (and again on every stream
//! restart) and offers no way to pass options. rxml's default caps every name and attribute
//! value at 8 KiB, far below what servers accept in one stanza (Prosody's default
//! `c2s_stanza_size_limit` is 256 KiB, ejabberd's `max_stanza_size` is commonly 256 KiB or
//! unlimited). One contact's message with a longer attribute then broke the whole stream, and
//! since the server keeps an undelivered message in offline storage, every reconnect broke
//! again. Here the parser gets [`Limits`] chosen above the servers' stanza limits, and a
//! top-level element that Hongyan still cannot use (nested too deep for the recursive builders,
//! too large, unknown, invalid) is read to its end and handed up as [`Received::Dropped`], so
//! the stream survives it.
//!
//! The stream runs over any [`ByteStream`]: TLS over TCP in production, an in-memory pipe in
//! tests.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures::{Sink, Stream};
use rxml::writer::{Encoder, SimpleNamespaces, TrackNamespace};
use rxml::xml_lang::XmlLangStack;
use rxml::{xml_ncname, AsyncReader, AttrMap, Event, Namespace, Parser, QName, WithOptions, XmlVersion};
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::time::{Instant, Sleep};
use xmpp::minidom::Element;
use xmpp::parsers::{ns, stream_error::StreamError, stream_features::StreamFeatures};
use xmpp::tokio_xmpp::xmlstream::{ReadError, Timeouts, XmppStreamElement};
use xso::error::FromEventsError;
use xso::{AsXml, FromEventsBuilder, FromXml};

use crate::error::{Error, Result};

/// What an XML stream can run over.
pub trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + ?Sized> ByteStream for T {}

/// What Hongyan's parser accepts from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest element name, attribute name or attribute value. Longer is not well-formed for
    /// rxml and ends the stream, so this must exceed every server's whole-stanza limit. Text is
    /// not affected: it arrives in pieces of at most this size.
    pub token_bytes: usize,
    /// Largest top-level element; a larger one is read to its end and dropped.
    pub element_bytes: usize,
    /// Deepest nesting inside a top-level element (the element itself is level 1); a deeper
    /// element is read to its end and dropped. The element builders and minidom's `Drop`
    /// recurse once per level, so an unbounded depth could overflow the stack.
    pub depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // 1 MiB: four times the largest stanza Prosody or a typical ejabberd accepts. rxml
        // reserves (but does not touch) this much for its token buffer, so it costs address
        // space only.
        Limits { token_bytes: 1 << 20, element_bytes: 4 << 20, depth: 128 }
    }
}

/// One stream-level element as it came off the stream.
// The element is handed on by value at once; boxing it would cost an allocation per stanza.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Received {
    Element(XmppStreamElement),
    /// Read to its end and not used; the stream goes on.
    Dropped(Dropped),
}

impl Received {
    /// For set-up steps that cannot go on without the element they wait for.
    pub fn into_element(self) -> std::result::Result<XmppStreamElement, ReadError> {
        match self {
            Received::Element(el) => Ok(el),
            Received::Dropped(d) => Err(ReadError::HardError(unreadable(d.to_string()))),
        }
    }
}

/// A top-level element that was not used, described for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Local name of the element.
    pub name: String,
    pub namespace: String,
    /// A message, presence or IQ: it counts as handled for XEP-0198.
    pub stanza: bool,
    pub from: Option<String>,
    pub id: Option<String>,
    /// Its size as read, from its start tag up to its end tag (or to where reading stopped).
    pub bytes: usize,
    pub reason: DropReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    TooDeep(usize),
    TooLarge(usize),
    /// Not a stream-level element Hongyan knows.
    Unknown,
    /// Known, but its content did not parse.
    Invalid(String),
    /// The parser refused data inside it, which ended the stream (see [`XmlStream::broken`]).
    Unreadable(String),
}

/// At most this many characters of an attribute go into a log line.
const LOGGED_ATTRIBUTE_CHARS: usize = 80;

/// An attribute the sender chose, quoted and escaped for a log line, and cut short.
fn quoted(value: &str) -> String {
    match value.char_indices().nth(LOGGED_ATTRIBUTE_CHARS) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
        None => format!("{value:?}"),
    }
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} xmlns={}>", quoted(&self.name), quoted(&self.namespace))?;
        if let Some(from) = &self.from {
            write!(f, " from {}", quoted(from))?;
        }
        if let Some(id) = &self.id {
            write!(f, " id {}", quoted(id))?;
        }
        write!(f, " ({} bytes): ", self.bytes)?;
        match &self.reason {
            DropReason::TooDeep(limit) => write!(f, "nested deeper than {limit} levels"),
            DropReason::TooLarge(limit) => write!(f, "larger than {limit} bytes"),
            DropReason::Unknown => write!(f, "not a stream element Hongyan knows"),
            DropReason::Invalid(why) => write!(f, "invalid: {why}"),
            DropReason::Unreadable(why) => write!(f, "unreadable: {why}"),
        }
    }
}

/// Data from the server that the parser refused (not well-formed, or a name or value over
/// [`Limits::token_bytes`]). It travels inside an `io::Error` so that it can be told apart from
/// a network or TLS failure.
#[derive(Debug)]
pub struct Unreadable(pub String);

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unreadable {}

fn unreadable(detail: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Unreadable(detail.into()))
}

/// The parser's complaint inside `e`, if `e` is one.
pub fn as_unreadable(e: &io::Error) -> Option<&Unreadable> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Unreadable>())
}

/// What a top-level element is read as. `Result` so that a stanza whose content does not parse
/// is read to its end and reported, not fatal.
type Incoming = std::result::Result<XmppStreamElement, xso::error::Error>;

/// Above this many bytes waiting to be written, `poll_ready` first writes some out.
const WRITE_HIGH_WATER: usize = 16 * 1024;
/// A send buffer grown beyond this by one large stanza is given back once it is written.
const WRITE_BUFFER_KEPT: usize = 64 * 1024;

pub struct XmlStream<Io> {
    rx: Receiver<Io>,
    reading: Reading<<Incoming as FromXml>::Builder>,
    writer: Encoder<SimpleNamespaces>,
    /// Serialised, not yet written; `tx[written..]` is still to go.
    tx: Vec<u8>,
    written: usize,
    footer_sent: bool,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> XmlStream<Io> {
    /// Opens a client stream to `domain` over `io` and reads the server's stream features.
    pub async fn open(io: Io, domain: &str, timeouts: Timeouts, limits: Limits) -> Result<(StreamFeatures, Self)> {
        let mut stream = XmlStream {
            rx: Receiver {
                reader: AsyncReader::wrap(BufReader::new(io), parser(limits)),
                lang: XmlLangStack::new(),
                idle: IdleTimer::new(timeouts),
                limits,
                broken: None,
            },
            reading: Reading::Idle,
            writer: encoder(),
            tx: Vec::new(),
            written: 0,
            footer_sent: false,
        };
        let features = stream.start(domain).await?;
        Ok((features, stream))
    }

    /// Restarts the stream after authentication (RFC 6120 §6.4.6): fresh parser and namespace
    /// state on both sides, new header, new features.
    pub async fn restart(&mut self, domain: &str) -> Result<StreamFeatures> {
        *self.rx.reader.parser_mut() = parser(self.rx.limits);
        self.rx.lang = XmlLangStack::new();
        self.reading = Reading::Idle;
        self.writer = encoder();
        self.start(domain).await
    }

    async fn start(&mut self, domain: &str) -> Result<StreamFeatures> {
        let header = [
            rxml::Item::XmlDeclaration(XmlVersion::V1_0),
            rxml::Item::ElementHeadStart(Namespace::from(ns::STREAM), xml_ncname!("stream")),
            rxml::Item::Attribute(Namespace::NONE, xml_ncname!("to"), domain),
            rxml::Item::Attribute(Namespace::NONE, xml_ncname!("version"), "1.0"),
            rxml::Item::ElementHeadEnd,
        ];
        for item in header {
            self.writer
                .encode(item, &mut self.tx)
                .map_err(|e| Error::Internal(format!("stream header: {e}")))?;
        }
        poll_fn(|cx| Sink::<&Element>::poll_flush(Pin::new(&mut *self), cx)).await.map_err(super::stream_io_error)?;
        poll_fn(|cx| self.rx.poll_header(cx)).await.map_err(super::stream_io_error)?;
        let mut reading = Reading::Idle;
        loop {
            match poll_fn(|cx| self.rx.poll_element::<Element>(&mut reading, cx)).await {
                Ok(Step::Done(el, _)) if el.is("features", ns::STREAM) => {
                    return StreamFeatures::try_from(el).map_err(|e| Error::StreamClosed(format!("bad stream features: {e}")));
                }
                Ok(Step::Done(el, _)) if el.is("error", ns::STREAM) => {
                    return Err(match StreamError::try_from(el) {
                        Ok(e) => Error::StreamClosed(e.to_string()),
                        Err(e) => Error::StreamClosed(format!("unreadable stream error: {e}")),
                    });
                }
                Ok(Step::Done(el, _)) => {
                    return Err(Error::UnreadableInput(format!("<{}> instead of stream features", el.name())))
                }
                Ok(Step::Dropped(d)) => return Err(Error::UnreadableInput(format!("instead of stream features: {d}"))),
                Ok(Step::SoftTimeout) => continue,
                Ok(Step::Footer) => return Err(Error::StreamClosed("the server ended the stream before its features".into())),
                Ok(Step::Eof) => return Err(Error::StreamClosed("closed before the stream features".into())),
                Err(e) => return Err(super::stream_io_error(e)),
            }
        }
    }

    /// Sends the stream footer and closes our sending side.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        if !self.footer_sent {
            self.footer_sent = true;
            self.writer
                .encode(rxml::Item::ElementFoot, &mut self.tx)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        }
        poll_fn(|cx| self.poll_write_all(cx)).await?;
        poll_fn(|cx| Pin::new(self.rx.reader.inner_mut()).poll_shutdown(cx)).await
    }

    /// The transport, for STARTTLS. Only valid between elements, which is where STARTTLS is;
    /// anything the server sent after `<proceed/>` is discarded, as it must be.
    pub fn into_inner(self) -> Io {
        self.rx.reader.into_inner().0.into_inner()
    }

    fn poll_write_all(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.tx.len() {
            let io = Pin::new(self.rx.reader.inner_mut());
            let n = ready!(io.poll_write(cx, &self.tx[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.tx.clear();
        if self.tx.capacity() > WRITE_BUFFER_KEPT {
            self.tx = Vec::new();
        }
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<Io> XmlStream<Io> {
    /// The top-level element the parser was inside when it refused the data that ended the
    /// stream, if it got as far as the element's start tag. When that was a stanza, the server
    /// sent it and, with XEP-0198, waits for it to be acknowledged.
    pub fn broken(&self) -> Option<&Dropped> {
        self.rx.broken.as_ref()
    }
}

fn parser(limits: Limits) -> Parser {
    Parser::with_options(rxml::Options { max_token_length: limits.token_bytes, ..Default::default() })
}

fn encoder() -> Encoder<SimpleNamespaces> {
    let mut writer = Encoder::new();
    writer.ns_tracker_mut().declare_fixed(Some(xml_ncname!("stream")), Namespace::from(ns::STREAM));
    writer.ns_tracker_mut().declare_fixed(None, Namespace::from(ns::JABBER_CLIENT));
    writer
}

impl<Io: AsyncRead + Unpin> Stream for XmlStream<Io> {
    type Item = std::result::Result<Received, ReadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let step = match ready!(this.rx.poll_element::<Incoming>(&mut this.reading, cx)) {
            Ok(step) => step,
            Err(e) => return Poll::Ready(Some(Err(ReadError::HardError(e)))),
        };
        Poll::Ready(match step {
            Step::Done(Ok(el), _) => Some(Ok(Received::Element(el))),
            Step::Done(Err(e), top) => Some(Ok(Received::Dropped(top.dropped(DropReason::Invalid(e.to_string()))))),
            Step::Dropped(d) => Some(Ok(Received::Dropped(d))),
            Step::SoftTimeout => Some(Err(ReadError::SoftTimeout)),
            Step::Footer => Some(Err(ReadError::StreamFooterReceived)),
            Step::Eof => None,
        })
    }
}

impl<'a, Io: AsyncRead + AsyncWrite + Unpin, T: AsXml> Sink<&'a T> for XmlStream<Io> {
    type Error = io::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.tx.len() - this.written >= WRITE_HIGH_WATER {
            ready!(this.poll_write_all(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: &'a T) -> io::Result<()> {
        let this = self.get_mut();
        if this.footer_sent {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "the stream is closed"));
        }
        let before = this.tx.len();
        let result = (|| -> io::Result<()> {
            let invalid = |e: &dyn fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, e.to_string());
            for part in item.as_xml_iter().map_err(|e| invalid(&e))? {
                let part = part.map_err(|e| invalid(&e))?;
                this.writer.encode(part.as_rxml_item(), &mut this.tx).map_err(|e| invalid(&e))?;
            }
            Ok(())
        })();
        if result.is_err() {
            // Nothing of a half-serialised element goes out.
            this.tx.truncate(before);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_all(cx))?;
        Pin::new(this.rx.reader.inner_mut()).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_all(cx))?;
        Pin::new(this.rx.reader.inner_mut()).poll_shutdown(cx)
    }
}

/// The receiving half: parser, `xml:lang` in effect, idle timer.
struct Receiver<Io> {
    reader: AsyncReader<BufReader<Io>>,
    lang: XmlLangStack,
    idle: IdleTimer,
    limits: Limits,
    /// See [`XmlStream::broken`].
    broken: Option<Dropped>,
}

enum Next {
    Event(Event),
    Eof,
    SoftTimeout,
}

/// Where the reader stands between events; kept across polls, so a read cancelled by
/// `select!` loses nothing.
enum Reading<B> {
    /// Between top-level elements.
    Idle,
    Building { builder: B, top: Top, depth: usize },
    Skipping { top: Top, depth: usize, reason: DropReason },
    /// The server's stream footer was read.
    Ended,
}

impl<B> Reading<B> {
    fn top(&self) -> Option<&Top> {
        match self {
            Reading::Building { top, .. } | Reading::Skipping { top, .. } => Some(top),
            Reading::Idle | Reading::Ended => None,
        }
    }
}

/// The top-level element being read.
#[derive(Clone)]
struct Top {
    name: String,
    namespace: String,
    from: Option<String>,
    id: Option<String>,
    bytes: usize,
}

impl Top {
    fn new(qname: &QName, attrs: &AttrMap, bytes: usize) -> Top {
        let attr = |name: &str| attrs.get(&Namespace::NONE, name).cloned();
        Top {
            name: qname.1.to_string(),
            namespace: qname.0.to_string(),
            from: attr("from"),
            id: attr("id"),
            bytes,
        }
    }

    fn dropped(self, reason: DropReason) -> Dropped {
        let stanza = self.namespace == ns::JABBER_CLIENT && matches!(self.name.as_str(), "message" | "presence" | "iq");
        Dropped { name: self.name, namespace: self.namespace, stanza, from: self.from, id: self.id, bytes: self.bytes, reason }
    }
}

enum Step<T> {
    Done(T, Top),
    Dropped(Dropped),
    SoftTimeout,
    Footer,
    Eof,
}

impl<Io: AsyncRead + Unpin> Receiver<Io> {
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Next>> {
        match Pin::new(&mut self.reader).poll_read(cx) {
            Poll::Ready(Ok(Some(ev))) => {
                self.idle.activity();
                self.lang.handle_event(&ev);
                Poll::Ready(Ok(Next::Event(ev)))
            }
            Poll::Ready(Ok(None)) => Poll::Ready(Ok(Next::Eof)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(match e.get_ref().and_then(|i| i.downcast_ref::<rxml::Error>()) {
                // The connection ended mid-document: a network matter, not the data's fault.
                Some(rxml::Error::InvalidEof(_)) => io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string()),
                Some(_) => unreadable(e.to_string()),
                None => e,
            })),
            Poll::Pending => match ready!(self.idle.poll(cx)) {
                Idle::Soft => Poll::Ready(Ok(Next::SoftTimeout)),
                Idle::Dead => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the server stopped answering"))),
            },
        }
    }

    /// Reads up to and including the server's stream header.
    fn poll_header(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match ready!(self.poll_event(cx))? {
                Next::Event(Event::XmlDeclaration(..)) | Next::SoftTimeout => continue,
                Next::Event(Event::StartElement(_, (namespace, name), attrs)) => {
                    if namespace != ns::STREAM || name != "stream" {
                        return Poll::Ready(Err(unreadable(format!(
                            "<{} xmlns={}> is not an XMPP stream",
                            quoted(&name),
                            quoted(&namespace)
                        ))));
                    }
                    return Poll::Ready(match attrs.get(&Namespace::NONE, "version").map(String::as_str) {
                        Some("1.0") => Ok(()),
                        other => Err(unreadable(format!("unsupported stream version {:?}", other.map(quoted)))),
                    });
                }
                Next::Event(_) => return Poll::Ready(Err(unreadable("content before the stream header"))),
                Next::Eof => {
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before the stream header")))
                }
            }
        }
    }

    /// Reads the next top-level element as a `T`, or drops it.
    fn poll_element<T: FromXml>(&mut self, reading: &mut Reading<T::Builder>, cx: &mut Context<'_>) -> Poll<io::Result<Step<T>>> {
        loop {
            // Whitespace keepalives between elements must not pile up in the parser.
            self.reader.parser_mut().set_text_buffering(matches!(reading, Reading::Building { .. }));
            let ev = match ready!(self.poll_event(cx)) {
                Ok(Next::Event(ev)) => ev,
                Ok(Next::SoftTimeout) => return Poll::Ready(Ok(Step::SoftTimeout)),
                Ok(Next::Eof) if matches!(reading, Reading::Idle | Reading::Ended) => return Poll::Ready(Ok(Step::Eof)),
                Ok(Next::Eof) => return Poll::Ready(Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside an element"))),
                Err(e) => {
                    if let (Some(refused), Some(top)) = (as_unreadable(&e), reading.top()) {
                        self.broken = Some(top.clone().dropped(DropReason::Unreadable(refused.to_string())));
                    }
                    return Poll::Ready(Err(e));
                }
            };
            let (next, step) = advance::<T>(std::mem::replace(reading, Reading::Idle), ev, self.lang.current(), &self.limits)?;
            *reading = next;
            if let Some(step) = step {
                return Poll::Ready(Ok(step));
            }
        }
    }
}

/// The reading state after one event, and what it completed, if anything.
type Advanced<T> = (Reading<<T as FromXml>::Builder>, Option<Step<T>>);

/// One parser event applied to the reading state.
fn advance<T: FromXml>(
    reading: Reading<T::Builder>,
    ev: Event,
    lang: Option<&str>,
    limits: &Limits,
) -> io::Result<Advanced<T>> {
    let len = ev.metrics().len();
    let ctx = xso::Context::empty().with_language(lang);
    Ok(match reading {
        Reading::Ended => return Err(unreadable("data after the stream footer")),
        Reading::Idle => match ev {
            Event::XmlDeclaration(..) => (Reading::Idle, None),
            Event::Text(_, text) if xso::is_xml_whitespace(text.as_bytes()) => (Reading::Idle, None),
            Event::Text(..) => return Err(unreadable("text between stream elements")),
            Event::EndElement(_) => (Reading::Ended, Some(Step::Footer)),
            Event::StartElement(_, qname, attrs) => {
                let top = Top::new(&qname, &attrs, len);
                let skip = |top, reason| (Reading::Skipping { top, depth: 1, reason }, None);
                if len > limits.element_bytes {
                    skip(top, DropReason::TooLarge(limits.element_bytes))
                } else {
                    match T::from_events(qname, attrs, &ctx) {
                        Ok(builder) => (Reading::Building { builder, top, depth: 1 }, None),
                        Err(FromEventsError::Mismatch { .. }) => skip(top, DropReason::Unknown),
                        Err(FromEventsError::Invalid(e)) => skip(top, DropReason::Invalid(e.to_string())),
                    }
                }
            }
        },
        Reading::Building { mut builder, mut top, mut depth } => {
            depth = nest(depth, &ev);
            top.bytes = top.bytes.saturating_add(len);
            if depth > limits.depth {
                (Reading::Skipping { top, depth, reason: DropReason::TooDeep(limits.depth) }, None)
            } else if top.bytes > limits.element_bytes {
                finish_skipping(top, depth, DropReason::TooLarge(limits.element_bytes))
            } else {
                match builder.feed(ev, &ctx) {
                    Ok(Some(value)) => (Reading::Idle, Some(Step::Done(value, top))),
                    Ok(None) => (Reading::Building { builder, top, depth }, None),
                    Err(e) => finish_skipping(top, depth, DropReason::Invalid(e.to_string())),
                }
            }
        }
        Reading::Skipping { mut top, depth, reason } => {
            top.bytes = top.bytes.saturating_add(len);
            finish_skipping(top, nest(depth, &ev), reason)
        }
    })
}

/// The nesting level after `ev`.
fn nest(depth: usize, ev: &Event) -> usize {
    match ev {
        Event::StartElement(..) => depth + 1,
        Event::EndElement(_) => depth.saturating_sub(1),
        _ => depth,
    }
}

/// Skips on, or reports the element dropped once its end was read.
fn finish_skipping<B, T>(top: Top, depth: usize, reason: DropReason) -> (Reading<B>, Option<Step<T>>) {
    if depth == 0 {
        (Reading::Idle, Some(Step::Dropped(top.dropped(reason))))
    } else {
        (Reading::Skipping { top, depth, reason }, None)
    }
}

enum Idle {
    Soft,
    Dead,
}

/// Silence for `read_timeout` gives one soft timeout (the session pings); silence for
/// `response_timeout` after that is a dead connection.
struct IdleTimer {
    timeouts: Timeouts,
    sleep: Pin<Box<Sleep>>,
    warned: bool,
}

impl IdleTimer {
    fn new(timeouts: Timeouts) -> IdleTimer {
        IdleTimer { timeouts, sleep: Box::pin(tokio::time::sleep(timeouts.read_timeout)), warned: false }
    }

    fn activity(&mut self) {
        self.warned = false;
        self.sleep.as_mut().reset(Instant::now() + self.timeouts.read_timeout);
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Idle> {
        ready!(self.sleep.as_mut().poll(cx));
        self.sleep.as_mut().reset(Instant::now() + self.timeouts.response_timeout);
        if std::mem::replace(&mut self.warned, true) {
            Poll::Ready(Idle::Dead)
        } else {
            Poll::Ready(Idle::Soft)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use xmpp::parsers::message::Message;
    use xmpp::tokio_xmpp::Stanza;

    use super::*;

    const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0' xml:lang='en'>\
        <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";

    type Test = XmlStream<DuplexStream>;

    fn timeouts() -> Timeouts {
        Timeouts { read_timeout: Duration::from_secs(600), response_timeout: Duration::from_secs(600) }
    }

    /// A stream whose server side has already sent its header and features.
    async fn open(limits: Limits) -> (Test, DuplexStream) {
        let (ours, mut server) = tokio::io::duplex(8 << 20);
        server.write_all(HEADER.as_bytes()).await.unwrap();
        let (features, stream) = XmlStream::open(ours, "example.org", timeouts(), limits).await.unwrap();
        assert!(features.can_bind());
        (stream, server)
    }

    fn chat(id: &str, body: &str, extra: &str) -> String {
        format!("<message from='li@example.org/pc' to='me@example.org' type='chat' id='{id}'><body>{body}</body>{extra}</message>")
    }

    async fn next(stream: &mut Test) -> std::result::Result<Received, ReadError> {
        match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
            Ok(Some(item)) => item,
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("nothing arrived"),
        }
    }

    async fn message(stream: &mut Test) -> Message {
        match next(stream).await {
            Ok(Received::Element(XmppStreamElement::Stanza(Stanza::Message(m)))) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    async fn dropped(stream: &mut Test) -> Dropped {
        match next(stream).await {
            Ok(Received::Dropped(d)) => d,
            other => panic!("expected a dropped element, got {other:?}"),
        }
    }

    fn body(m: &Message) -> String {
        m.get_best_body_cloned(vec![]).map(|(_, b)| b).unwrap_or_default()
    }

    fn nested(levels: usize) -> String {
        format!("{}{}", "<n>".repeat(levels), "</n>".repeat(levels))
    }

    #[tokio::test]
    async fn a_250_kb_attribute_on_an_unknown_element_arrives_and_so_does_what_follows() {
        let (mut stream, mut server) = open(Limits::default()).await;
        let value = "A".repeat(250_000);
        let poison = chat("p1", "big", &format!("<x xmlns='urn:example:poison' data='{value}'/>"));
        server.write_all(poison.as_bytes()).await.unwrap();
        server.write_all(chat("n1", "after", "").as_bytes()).await.unwrap();
        let m = message(&mut stream).await;
        assert_eq!(body(&m), "big");
        let x = m.payloads.iter().find(|p| p.is("x", "urn:example:poison")).expect("the unknown element is kept");
        assert_eq!(x.attr("data").map(str::len), Some(250_000));
        assert_eq!(body(&message(&mut stream).await), "after");
    }

    #[tokio::test]
    async fn with_rxml_defaults_the_same_attribute_breaks_the_stream_as_unreadable_input() {
        // What tokio-xmpp's own stream does (8 KiB per token): the reason for this module.
        let (mut stream, mut server) = open(Limits { token_bytes: 8192, ..Limits::default() }).await;
        let poison = chat("p1", "big", &format!("<x xmlns='urn:example:poison' data='{}'/>", "A".repeat(20_000)));
        server.write_all(poison.as_bytes()).await.unwrap();
        match next(&mut stream).await {
            Err(ReadError::HardError(e)) => {
                let refused = as_unreadable(&e).expect("marked as the parser's refusal");
                assert!(refused.0.contains("long name"), "{refused}");
                let error = crate::transport::read_error(ReadError::HardError(e));
                assert_eq!(error.code(), "unreadable_input", "{error}");
            }
            other => panic!("expected the stream to fail, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn long_text_and_many_children_arrive_whole() {
        let (mut stream, mut server) = open(Limits::default()).await;
        let text = "长".repeat(100_000); // 300 kB of UTF-8, longer than one token
        server.write_all(chat("t1", &text, "").as_bytes()).await.unwrap();
        let children = "<i xmlns='urn:example:many'/>".repeat(10_000) + &"<j/>".repeat(50_000);
        server.write_all(chat("c1", "many", &children).as_bytes()).await.unwrap();
        assert_eq!(body(&message(&mut stream).await), text);
        let m = message(&mut stream).await;
        assert_eq!(body(&m), "many");
        assert_eq!(m.payloads.len(), 60_000);
    }

    #[tokio::test]
    async fn nesting_within_the_limit_arrives_and_deeper_is_dropped_alone() {
        let (mut stream, mut server) = open(Limits::default()).await;
        // message (1) > x (2) > 126 × n: exactly the limit.
        let fits = chat("d1", "deep", &format!("<x xmlns='urn:example:deep'>{}</x>", nested(126)));
        server.write_all(fits.as_bytes()).await.unwrap();
        // 30 000 levels: the recursive builders would need a far larger stack.
        let too_deep = chat("d2", "deeper", &format!("<x xmlns='urn:example:deep'>{}</x>", nested(30_000)));
        server.write_all(too_deep.as_bytes()).await.unwrap();
        server.write_all(chat("n1", "after", "").as_bytes()).await.unwrap();

        let m = message(&mut stream).await;
        assert_eq!(body(&m), "deep");
        let d = dropped(&mut stream).await;
        assert_eq!(d.reason, DropReason::TooDeep(128));
        assert!(d.stanza, "a message counts as a stanza");
        assert_eq!((d.name.as_str(), d.id.as_deref(), d.from.as_deref()), ("message", Some("d2"), Some("li@example.org/pc")));
        assert_eq!(d.bytes, too_deep.len(), "read to its very end");
        assert_eq!(body(&message(&mut stream).await), "after");
    }

    #[tokio::test]
    async fn unknown_invalid_and_oversized_elements_are_dropped_and_the_stream_goes_on() {
        let limits = Limits { element_bytes: 64 * 1024, ..Limits::default() };
        let (mut stream, mut server) = open(limits).await;
        let oversized = chat("big", &"x".repeat(100_000), "");
        let input = [
            "<hello xmlns='urn:example:nonza'><a/></hello>".to_owned(),
            " \n\t ".to_owned(), // whitespace keepalive
            "<iq type='nonsense' id='q1' from='example.org'/>".to_owned(),
            oversized.clone(),
            format!("<presence xmlns='jabber:client' from='li@example.org/pc' a='{}'/>", "v".repeat(70_000)),
            chat("n1", "after", ""),
        ];
        for part in &input {
            server.write_all(part.as_bytes()).await.unwrap();
        }
        let unknown = dropped(&mut stream).await;
        assert_eq!((unknown.name.as_str(), unknown.stanza, &unknown.reason), ("hello", false, &DropReason::Unknown));
        let invalid = dropped(&mut stream).await;
        assert!(invalid.stanza && matches!(invalid.reason, DropReason::Invalid(_)), "{invalid:?}");
        let large = dropped(&mut stream).await;
        assert_eq!((large.id.as_deref(), &large.reason), (Some("big"), &DropReason::TooLarge(64 * 1024)));
        assert_eq!(large.bytes, oversized.len());
        let large_head = dropped(&mut stream).await;
        assert_eq!((large_head.name.as_str(), &large_head.reason), ("presence", &DropReason::TooLarge(64 * 1024)));
        assert_eq!(body(&message(&mut stream).await), "after");

        server.write_all(b"</stream:stream>").await.unwrap();
        assert!(matches!(next(&mut stream).await, Err(ReadError::StreamFooterReceived)));
        drop(server);
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn not_well_formed_input_is_unreadable_but_a_cut_connection_is_not() {
        let (mut stream, mut server) = open(Limits::default()).await;
        server.write_all(b"<message><body>a</bod></message>").await.unwrap();
        match next(&mut stream).await {
            Err(ReadError::HardError(e)) => assert!(as_unreadable(&e).is_some(), "{e}"),
            other => panic!("{other:?}"),
        }
        let (mut stream, mut server) = open(Limits::default()).await;
        server.write_all(b"<message><body>half").await.unwrap();
        drop(server);
        match next(&mut stream).await {
            Err(ReadError::HardError(e)) => {
                assert!(as_unreadable(&e).is_none(), "a closed connection is not the data's fault: {e}");
                assert_eq!(crate::transport::read_error(ReadError::HardError(e)).code(), "stream_closed");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_read_cancelled_halfway_through_a_stanza_loses_nothing() {
        let (mut stream, mut server) = open(Limits::default()).await;
        let whole = chat("c1", "patient", &format!("<x xmlns='urn:example:slow' data='{}'/>", "B".repeat(100_000)));
        let (first, rest) = whole.split_at(60_000);
        server.write_all(first.as_bytes()).await.unwrap();
        // As `select!` does when a command arrives first.
        let cancelled = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
        assert!(cancelled.is_err(), "half a stanza cannot be complete");
        server.write_all(rest.as_bytes()).await.unwrap();
        let m = message(&mut stream).await;
        assert_eq!(body(&m), "patient");
        assert_eq!(m.payloads[0].attr("data").map(str::len), Some(100_000));
    }

    #[tokio::test]
    async fn what_we_send_is_a_proper_stream_and_restarts_begin_a_new_one() {
        let (mut stream, mut server) = open(Limits::default()).await;
        let to = xmpp::parsers::jid::Jid::new("li@example.org").unwrap();
        let msg = Message::chat(Some(to)).with_body(Default::default(), "你好 & <b>".into());
        stream.send(&XmppStreamElement::Stanza(msg.into())).await.unwrap();
        server.write_all(HEADER.as_bytes()).await.unwrap();
        let features = stream.restart("example.org").await.unwrap();
        assert!(features.can_bind());
        stream.shutdown().await.unwrap();
        let mut sent = String::new();
        server.read_to_string(&mut sent).await.unwrap();

        // Read back what was written with an independent parser (minidom), one stream at a time.
        let streams: Vec<&str> = sent.split("<?xml").filter(|s| !s.is_empty()).collect();
        assert_eq!(streams.len(), 2, "{sent}");
        let first = format!("<?xml{}</stream:stream>", streams[0]);
        let root: Element = first.parse().unwrap_or_else(|e| panic!("{e}: {first}"));
        assert!(root.is("stream", ns::STREAM));
        assert_eq!((root.attr("to"), root.attr("version")), (Some("example.org"), Some("1.0")));
        let sent_msg = root.get_child("message", ns::JABBER_CLIENT).expect("the message");
        assert_eq!(sent_msg.get_child("body", ns::JABBER_CLIENT).map(Element::text).as_deref(), Some("你好 & <b>"));
        assert!(streams[1].trim_end().ends_with("</stream:stream>"), "the footer closes the second stream");
    }

    #[tokio::test]
    async fn a_stanza_broken_by_the_parser_is_named_so_it_can_be_acknowledged() {
        // Over the token limit inside a message: the stream cannot go on, but it is known which
        // stanza broke it.
        let (mut stream, mut server) = open(Limits { token_bytes: 4096, ..Limits::default() }).await;
        server.write_all(chat("ok", "before", "").as_bytes()).await.unwrap();
        let poison = chat("p1", "big", &format!("<x xmlns='urn:example:poison' data='{}'/>", "A".repeat(5000)));
        server.write_all(poison.as_bytes()).await.unwrap();
        assert_eq!(body(&message(&mut stream).await), "before");
        assert!(stream.broken().is_none());
        match next(&mut stream).await {
            Err(ReadError::HardError(e)) => assert!(as_unreadable(&e).is_some(), "{e}"),
            other => panic!("expected the stream to fail, got {other:?}"),
        }
        let broken = stream.broken().expect("the stanza is named");
        assert!(broken.stanza);
        assert_eq!((broken.name.as_str(), broken.id.as_deref()), ("message", Some("p1")));
        assert!(matches!(&broken.reason, DropReason::Unreadable(why) if why.contains("long name")), "{broken:?}");

        // Over the limit in the stanza's own start tag: nothing is known about it.
        let (mut stream, mut server) = open(Limits { token_bytes: 4096, ..Limits::default() }).await;
        let poison = format!("<message from='li@example.org/pc' id='p2' data='{}'><body>x</body></message>", "A".repeat(5000));
        server.write_all(poison.as_bytes()).await.unwrap();
        assert!(matches!(next(&mut stream).await, Err(ReadError::HardError(_))));
        assert!(stream.broken().is_none(), "{:?}", stream.broken());
    }

    #[tokio::test]
    async fn stream_management_nonzas_stream_errors_and_keepalives_arrive_as_before() {
        let (mut stream, mut server) = open(Limits::default()).await;
        let input = [
            "<enabled xmlns='urn:xmpp:sm:3'/>",
            " ",
            "<r xmlns='urn:xmpp:sm:3'/>",
            "\n\n",
            "<a xmlns='urn:xmpp:sm:3' h='7'/>",
        ];
        for part in input {
            server.write_all(part.as_bytes()).await.unwrap();
        }
        // Whitespace keepalives in bulk, far more than one parser token.
        server.write_all(" \n".repeat(2 << 20).as_bytes()).await.unwrap();
        server
            .write_all(
                b"<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
                <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>replaced</text></stream:error>",
            )
            .await
            .unwrap();
        use xmpp::parsers::sm::Nonza;
        assert!(matches!(next(&mut stream).await, Ok(Received::Element(XmppStreamElement::SM(Nonza::Enabled(_))))));
        assert!(matches!(next(&mut stream).await, Ok(Received::Element(XmppStreamElement::SM(Nonza::Req(_))))));
        match next(&mut stream).await {
            Ok(Received::Element(XmppStreamElement::SM(Nonza::Ack(a)))) => assert_eq!(a.h, 7),
            other => panic!("{other:?}"),
        }
        match next(&mut stream).await {
            Ok(Received::Element(XmppStreamElement::StreamError(e))) => {
                assert_eq!(e.0.condition, xmpp::parsers::stream_error::DefinedCondition::Conflict);
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_stream_error_or_something_else_instead_of_features_is_an_error() {
        let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
            xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0'>";
        for (after, code) in [
            ("<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", "stream_closed"),
            ("<message><body>hi</body></message>", "unreadable_input"),
            ("</stream:stream>", "stream_closed"),
        ] {
            let (ours, mut server) = tokio::io::duplex(1 << 16);
            server.write_all(format!("{header}{after}").as_bytes()).await.unwrap();
            match XmlStream::open(ours, "example.org", timeouts(), Limits::default()).await {
                Ok(_) => panic!("{after}: accepted as features"),
                Err(e) => assert_eq!(e.code(), code, "{after}: {e}"),
            }
        }
        let (ours, mut server) = tokio::io::duplex(1 << 16);
        server.write_all(b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>").await.unwrap();
        let e = XmlStream::open(ours, "example.org", timeouts(), Limits::default()).await.err().expect("no version");
        assert_eq!(e.code(), "unreadable_input", "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn silence_gives_one_soft_timeout_then_a_dead_connection() {
        let (ours, mut server) = tokio::io::duplex(1 << 16);
        server.write_all(HEADER.as_bytes()).await.unwrap();
        let timeouts = Timeouts { read_timeout: Duration::from_secs(90), response_timeout: Duration::from_secs(30) };
        let (_, mut stream) = XmlStream::open(ours, "example.org", timeouts, Limits::default()).await.unwrap();
        assert!(matches!(stream.next().await, Some(Err(ReadError::SoftTimeout))));
        // Data after the soft timeout starts the count again.
        server.write_all(b"<r xmlns='urn:xmpp:sm:3'/>").await.unwrap();
        assert!(matches!(stream.next().await, Some(Ok(Received::Element(_)))));
        assert!(matches!(stream.next().await, Some(Err(ReadError::SoftTimeout))));
        match stream.next().await {
            Some(Err(ReadError::HardError(e))) => {
                assert_eq!(e.kind(), io::ErrorKind::TimedOut);
                assert_eq!(crate::transport::read_error(ReadError::HardError(e)).code(), "timeout");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn runs_over_any_byte_stream() {
        fn is_send<T: Send>(_: &T) {}
        let (ours, mut server) = tokio::io::duplex(1 << 16);
        server.write_all(HEADER.as_bytes()).await.unwrap();
        let boxed: Box<dyn ByteStream> = Box::new(ours);
        let (_, mut stream) = XmlStream::open(boxed, "example.org", timeouts(), Limits::default()).await.unwrap();
        is_send(&stream);
        server.write_all(chat("b1", "boxed", "").as_bytes()).await.unwrap();
        match stream.next().await {
            Some(Ok(Received::Element(XmppStreamElement::Stanza(Stanza::Message(m))))) => assert_eq!(body(&m), "boxed"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn log_lines_quote_and_shorten_what_the_sender_chose() {
        let d = Dropped {
            name: "message".into(),
            namespace: ns::JABBER_CLIENT.into(),
            stanza: true,
            from: Some("li@example.org/pc\nforged line".into()),
            id: Some("x".repeat(10_000)),
            bytes: 12,
            reason: DropReason::TooDeep(128),
        };
        let line = d.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("(10000 bytes)") && line.len() < 400, "{line}");
        assert!(line.ends_with("nested deeper than 128 levels"), "{line}");
    }
}
