//! Stanzas in and out of an account's stream: [`outbound`] is the only writer of the socket,
//! [`iq`] tracks the requests we sent, [`router`] hands incoming requests to the feature that
//! serves them, and [`pipeline`] runs received messages through the features' ordered steps.

pub mod iq;
pub mod outbound;
pub mod pipeline;
pub mod router;
