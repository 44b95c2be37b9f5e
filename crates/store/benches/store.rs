//! Store figures on a file database, as the desktop app uses it: `cargo bench -p hongyan-store`.
//!
//! 1. `insert_messages` throughput: 200 batches of 500 messages over 50 peers.
//! 2. `history` latency: one conversation of 100,000 messages beside ~100,000 others,
//!    1,000 pages of 50 at random cursors.
//! 3. `conversations` latency with 50 peers.

use std::time::{Duration, Instant};

use hongyan_store::{Account, HistoryCursor, MessageState, NewMessage, Result, Store};

const ME: &str = "me@example.org";
const PEERS: usize = 50;
const BATCH: usize = 500;
const BIG_PEER: &str = "big@example.org";
const PAGE: u32 = 50;

/// How much work a run does. `cargo bench` passes `--bench` and gets the full sizes;
/// `cargo test --benches` runs the same code once at a small size, as a smoke test.
struct Sizes {
    batches: usize,
    big_messages: usize,
    history_calls: usize,
    conversations_calls: usize,
}

const FULL: Sizes = Sizes {
    batches: 200,
    big_messages: 100_000,
    history_calls: 1_000,
    conversations_calls: 200,
};

const SMOKE: Sizes = Sizes {
    batches: 4,
    big_messages: 2_000,
    history_calls: 20,
    conversations_calls: 2,
};

/// Deterministic generator, so every run measures the same work.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn message(peer: &str, n: usize, sent_at: i64, rng: &mut Lcg) -> NewMessage {
    let incoming = rng.below(3) != 0;
    let body = match rng.below(3) {
        0 => format!("消息 {n}：今天下午三点开会，别忘了带上报告 📄"),
        1 => format!("message {n}: sounds good, see you at the station 🚉"),
        _ => format!("{n} 好的 👍"),
    };
    let mut m = if incoming {
        NewMessage::incoming(ME, peer, body, sent_at, sent_at + 40)
    } else {
        NewMessage {
            state: MessageState::Sent,
            received_at: sent_at + 40,
            ..NewMessage::outgoing(ME, peer, body, sent_at)
        }
    };
    m.origin_id = Some(format!("origin-{n:08}"));
    m.stanza_id = Some(format!("archive-{n:08}"));
    m
}

fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn run(sizes: &Sizes) -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| hongyan_store::Error::Db(sqlx::Error::Io(e)))?;
    let path = dir.path().join("bench.db");
    let store = Store::open(&path).await?;
    store
        .save_account(&Account {
            jid: ME.into(),
            host: None,
            port: None,
            pinned_cert_sha256: None,
            resource: "hongyan".into(),
            auto_connect: true,
            created_at: 0,
            last_login_at: None,
        })
        .await?;
    let peers: Vec<String> = (0..PEERS)
        .map(|i| format!("peer{i:02}@example.org"))
        .collect();
    let mut rng = Lcg(2024);
    let start_at: i64 = 1_700_000_000_000;
    let mut n = 0usize;

    // 1. Batch insert throughput.
    let mut rates = Vec::with_capacity(sizes.batches);
    let mut inserted = 0usize;
    // WAL checkpoints land in some batches only; the overall rate counts them evenly.
    let mut busy = Duration::ZERO;
    for _ in 0..sizes.batches {
        let batch: Vec<NewMessage> = (0..BATCH)
            .map(|_| {
                n += 1;
                let peer = &peers[rng.below(PEERS as u64) as usize];
                message(peer, n, start_at + n as i64 * 1_000, &mut rng)
            })
            .collect();
        let t = Instant::now();
        let result = store.insert_messages(&batch).await?;
        let elapsed = t.elapsed();
        busy += elapsed;
        inserted += result.iter().filter(|r| r.is_new()).count();
        rates.push(BATCH as f64 / elapsed.as_secs_f64());
    }
    assert_eq!(
        inserted,
        BATCH * sizes.batches,
        "every benchmark message is new"
    );
    rates.sort_by(f64::total_cmp);
    println!(
        "store.insert_batch500  median {} msg/s  (min {}, max {}; overall {} msg/s over {} batches)  target >= 20,000",
        thousands(rates[rates.len() / 2]),
        thousands(rates[0]),
        thousands(rates[rates.len() - 1]),
        thousands(inserted as f64 / busy.as_secs_f64()),
        sizes.batches,
    );

    // 2. History pages in a conversation of 100,000 messages; the 100,000 above are the others.
    let t = Instant::now();
    let mut cursors: Vec<HistoryCursor> = Vec::with_capacity(sizes.big_messages);
    let big_start = start_at - sizes.big_messages as i64 * 2_000;
    for chunk in 0..sizes.big_messages / 1_000 {
        let batch: Vec<NewMessage> = (0..1_000)
            .map(|i| {
                n += 1;
                // Pairs of equal timestamps, as archives with second precision produce.
                let at = big_start + ((chunk * 1_000 + i) / 2) as i64 * 2_000;
                message(BIG_PEER, n, at, &mut rng)
            })
            .collect();
        for r in store.insert_messages(&batch).await? {
            cursors.push(HistoryCursor::from(r.message()));
        }
    }
    let fill = t.elapsed();
    let mut samples = Vec::with_capacity(sizes.history_calls);
    let mut returned = 0usize;
    for _ in 0..sizes.history_calls {
        let cursor = cursors[rng.below(cursors.len() as u64) as usize];
        let t = Instant::now();
        let page = store.history(ME, BIG_PEER, Some(cursor), PAGE).await?;
        samples.push(t.elapsed());
        returned += page.len();
    }
    samples.sort();
    println!(
        "store.history_page50   p50 {:.3} ms  p95 {:.3} ms  p99 {:.3} ms  max {:.3} ms  \
         target p95 < 10 ms  ({} calls, {:.1} rows/call, {} + {} messages, filled in {:.1} s)",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        ms(percentile(&samples, 0.99)),
        ms(samples[samples.len() - 1]),
        sizes.history_calls,
        returned as f64 / sizes.history_calls as f64,
        thousands(sizes.big_messages as f64),
        thousands((BATCH * sizes.batches) as f64),
        fill.as_secs_f64(),
    );

    // 3. Conversation list with 50 peers (plus the big one).
    let mut samples = Vec::with_capacity(sizes.conversations_calls);
    let mut listed = 0;
    for _ in 0..sizes.conversations_calls {
        let t = Instant::now();
        listed = store.conversations(ME).await?.len();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "store.conversations    p50 {:.3} ms  p95 {:.3} ms  ({listed} conversations, {} calls)",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        sizes.conversations_calls,
    );

    store.close().await;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "store.file_size        {:.1} MiB for {} messages",
        size as f64 / (1024.0 * 1024.0),
        thousands((sizes.big_messages + BATCH * sizes.batches) as f64)
    );
    Ok(())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let sizes = if std::env::args().any(|a| a == "--bench") {
        &FULL
    } else {
        &SMOKE
    };
    let started = Instant::now();
    if let Err(e) = runtime.block_on(run(sizes)) {
        eprintln!("store bench failed: {e}");
        std::process::exit(1);
    }
    println!(
        "store.bench_total      {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
