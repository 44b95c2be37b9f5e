//! The incoming-message pipeline: every received `<message/>` passes through the features'
//! steps in a fixed order of stages — unwrap (carbons, archives) → authorize → deduplicate →
//! classify → apply (errors, receipts, corrections …) → store → emit → notify. A feature adds
//! a step at its stage; no step edits another. A step may stop the message (refused, a
//! duplicate, fully handled) and nothing after it sees it.

use futures::future::BoxFuture;
use hongyan_store::{Message as StoredMessage, NewMessage};
use tracing::debug;
use xmpp::parsers::message::Message;

use crate::error::Result;
use crate::feature::{Cx, Flow, FEATURES};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Unwrap,
    Authorize,
    Deduplicate,
    Classify,
    Apply,
    Store,
    Emit,
    Notify,
}

/// A received message on its way through the steps.
#[derive(Debug)]
pub struct Inbound {
    /// The stanza as received (an unwrap step replaces it with the forwarded one).
    pub stanza: Message,
    /// The row a classify step made of it, for the store step.
    pub row: Option<NewMessage>,
    /// The row as stored, for the steps after the store.
    pub stored: Option<StoredMessage>,
}

impl Inbound {
    pub fn new(stanza: Message) -> Inbound {
        Inbound { stanza, row: None, stored: None }
    }
}

pub trait Step: Sync {
    fn name(&self) -> &'static str;
    fn stage(&self) -> Stage;
    fn run<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, message: &'a mut Inbound) -> BoxFuture<'a, Result<Flow>>;
}

/// Every feature's steps, by stage; within a stage in [`FEATURES`] order.
pub fn steps() -> Vec<&'static dyn Step> {
    let mut steps: Vec<&'static dyn Step> = FEATURES.iter().flat_map(|f| f.message_steps().iter().copied()).collect();
    steps.sort_by_key(|s| s.stage());
    steps
}

/// Runs one received message through the steps.
pub async fn run(cx: &mut Cx<'_>, stanza: Message) -> Result<Inbound> {
    let mut message = Inbound::new(stanza);
    for step in steps() {
        if step.run(cx, &mut message).await? == Flow::Stop {
            debug!(step = step.name(), "message stopped");
            break;
        }
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_in_stage_order() {
        let stages: Vec<Stage> = steps().iter().map(|s| s.stage()).collect();
        let mut sorted = stages.clone();
        sorted.sort();
        assert_eq!(stages, sorted);
        let names: Vec<&str> = steps().iter().map(|s| s.name()).collect();
        for name in ["chat.authorize", "chat.classify", "chat.store", "chat.emit"] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
    }
}
