//! Delivery states move forward only; only an explicit resend leaves `failed`.

use hongyan_store::{Direction, MessageState, NewMessage};

use crate::{incoming, outgoing, store, ME};

const BOB: &str = "bob@example.org";

/// Every pair of states: the row ends in the new state exactly when the move is forward.
#[tokio::test]
async fn every_move_is_checked_against_the_forward_order() {
    let store = store().await;
    for from in MessageState::ALL {
        for to in MessageState::ALL {
            let m = NewMessage {
                state: from,
                error: Some("before".into()),
                ..outgoing(BOB, &format!("{from:?} -> {to:?}"), 1)
            };
            let m = store.insert_message(&m).await.unwrap().into_message();
            let result = store.update_state(m.id, to, Some("after")).await.unwrap();
            let row = store.message(m.id).await.unwrap().unwrap();
            if from.can_become(to) {
                assert_eq!((row.state, row.error.as_deref()), (to, Some("after")));
                assert_eq!(result, Some(row), "{from:?} -> {to:?}");
            } else {
                assert_eq!(result, None, "{from:?} -> {to:?}");
                assert_eq!(row, m, "{from:?} -> {to:?} changed the row");
            }
        }
    }
}

/// A bounce can overtake the server's ack: the ack that comes later must not clear it.
#[tokio::test]
async fn a_late_ack_does_not_undo_a_failure() {
    let store = store().await;
    let mut m = outgoing(BOB, "hello", 1);
    m.origin_id = Some("o-1".into());
    let m = store.insert_message(&m).await.unwrap().into_message();
    let failed = store
        .update_state_by_origin_id(
            ME,
            BOB,
            "o-1",
            MessageState::Failed,
            Some("recipient-unavailable"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, MessageState::Failed);

    assert_eq!(
        store
            .update_state(m.id, MessageState::Sent, None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .update_state_by_origin_id(ME, BOB, "o-1", MessageState::Delivered, None)
            .await
            .unwrap(),
        None
    );
    let row = store.message(m.id).await.unwrap().unwrap();
    assert_eq!(row.state, MessageState::Failed);
    assert_eq!(row.error.as_deref(), Some("recipient-unavailable"));
    assert!(store.pending_messages(ME).await.unwrap().is_empty());
}

#[tokio::test]
async fn receipts_may_overtake_the_ack_and_nothing_goes_back() {
    let store = store().await;
    let m = store
        .insert_message(&outgoing(BOB, "hi", 1))
        .await
        .unwrap()
        .into_message();
    // A displayed marker before the receipt and the ack: all three arrive, in that order.
    let displayed = store
        .update_state(m.id, MessageState::Displayed, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(displayed.state, MessageState::Displayed);
    for late in [
        MessageState::Delivered,
        MessageState::Sent,
        MessageState::Failed,
    ] {
        assert_eq!(
            store.update_state(m.id, late, Some("late")).await.unwrap(),
            None
        );
    }
    assert_eq!(store.message(m.id).await.unwrap().unwrap(), displayed);

    let other = store
        .insert_message(&outgoing(BOB, "again", 2))
        .await
        .unwrap()
        .into_message();
    store
        .update_state(other.id, MessageState::Delivered, None)
        .await
        .unwrap();
    assert_eq!(
        store
            .update_state(other.id, MessageState::Failed, Some("late error"))
            .await
            .unwrap(),
        None,
        "an error after a receipt does not undo the delivery"
    );
    let row = store.message(other.id).await.unwrap().unwrap();
    assert_eq!((row.state, row.error), (MessageState::Delivered, None));
}

#[tokio::test]
async fn incoming_messages_stay_received() {
    let store = store().await;
    let m = store
        .insert_message(&incoming(BOB, "hi", 1))
        .await
        .unwrap()
        .into_message();
    for state in MessageState::ALL {
        assert_eq!(store.update_state(m.id, state, None).await.unwrap(), None);
    }
    assert_eq!(store.resend(m.id).await.unwrap(), None);
    assert_eq!(store.message(m.id).await.unwrap().unwrap(), m);
}

/// Resend is the one way out of failed: back to pending without the error, same place in
/// history, picked up with the other pending messages, then forward as usual.
#[tokio::test]
async fn resend_moves_failed_back_to_pending() {
    let store = store().await;
    let m = store
        .insert_message(&outgoing(BOB, "try me", 5))
        .await
        .unwrap()
        .into_message();
    assert_eq!(store.resend(m.id).await.unwrap(), None, "not failed yet");
    store
        .update_state(m.id, MessageState::Failed, Some("timeout"))
        .await
        .unwrap()
        .unwrap();
    assert!(store.pending_messages(ME).await.unwrap().is_empty());

    let again = store.resend(m.id).await.unwrap().unwrap();
    assert_eq!((again.state, &again.error), (MessageState::Pending, &None));
    assert_eq!((again.sent_at, again.seq), (m.sent_at, m.seq));
    assert_eq!(store.message(m.id).await.unwrap().as_ref(), Some(&again));
    assert_eq!(
        store.pending_messages(ME).await.unwrap(),
        vec![again.clone()]
    );
    assert_eq!(store.resend(m.id).await.unwrap(), None, "already pending");

    let sent = store
        .update_state(m.id, MessageState::Sent, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.state, MessageState::Sent);
    assert_eq!(
        store.resend(m.id).await.unwrap(),
        None,
        "sent is not failed"
    );
    assert_eq!(store.resend(m.id + 1_000).await.unwrap(), None);
    assert_eq!(
        store.message(m.id).await.unwrap().unwrap().direction,
        Direction::Outgoing
    );
}
