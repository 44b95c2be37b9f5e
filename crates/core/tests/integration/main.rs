//! hongyan-core failure modes against real sockets on loopback: each way a connection can fail
//! reaches the caller as its own error code. (Real servers are exercised in tests/engine.)

mod failures;
mod scenarios;
