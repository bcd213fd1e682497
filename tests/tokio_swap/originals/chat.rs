//! A chat room over mpsc channels, written as a tokio user writes it; all in-process tasks.
//!
//! A hub task owns the list of members, each a `Sender` of that member's inbox. Members join
//! through one channel and speak through another; the hub `select!`s over both and forwards
//! every message to every member. When every sender of both channels is gone the hub ends,
//! which drops the inboxes' senders, so each member's `recv` loop ends too.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::timeout;

const MEMBERS: [&str; 3] = ["alice", "bob", "carol"];
const SAID: usize = 3;
const LIMIT: Duration = Duration::from_secs(5);

struct Join {
    name: String,
    inbox: mpsc::Sender<String>,
}

struct Say {
    from: String,
    text: String,
}

/// Forwards everything said to every member; returns how many messages it delivered.
async fn hub(mut joins: mpsc::Receiver<Join>, mut says: mpsc::UnboundedReceiver<Say>) -> usize {
    let mut members: Vec<(String, mpsc::Sender<String>)> = Vec::new();
    let mut delivered = 0;
    loop {
        tokio::select! {
            biased;
            Some(join) = joins.recv() => {
                for (_, inbox) in &members {
                    if inbox.send(format!("* {} joined", join.name)).await.is_ok() {
                        delivered += 1;
                    }
                }
                members.push((join.name, join.inbox));
            }
            Some(say) = says.recv() => {
                for (name, inbox) in &members {
                    let line = format!("{} -> {}: {}", say.from, name, say.text);
                    if inbox.send(line).await.is_ok() {
                        delivered += 1;
                    }
                }
            }
            else => break,
        }
    }
    delivered
}

/// One member: says its lines, then reads its inbox until the hub closes it.
async fn member(
    name: &'static str,
    says: mpsc::UnboundedSender<Say>,
    mut inbox: mpsc::Receiver<String>,
) -> Vec<String> {
    for n in 0..SAID {
        let text = format!("message {n}");
        says.send(Say {
            from: name.to_string(),
            text,
        })
        .unwrap();
    }
    drop(says);
    let mut heard = Vec::new();
    while let Some(line) = inbox.recv().await {
        heard.push(line);
    }
    heard
}

/// True if every sender's messages reached this member in the order they were said.
fn in_order(heard: &[String]) -> bool {
    MEMBERS.iter().all(|from| {
        let mine: Vec<&String> = heard.iter().filter(|l| l.starts_with(from)).collect();
        mine.windows(2).all(|pair| pair[0] < pair[1])
    })
}

#[tokio::main(flavor = "current_thread")]
pub async fn run() -> String {
    let (join_tx, join_rx) = mpsc::channel(8);
    let (say_tx, say_rx) = mpsc::unbounded_channel();
    let hub = tokio::spawn(hub(join_rx, say_rx));

    let mut inboxes = Vec::new();
    for name in MEMBERS {
        let (inbox_tx, inbox_rx) = mpsc::channel(32);
        let join = Join {
            name: name.to_string(),
            inbox: inbox_tx,
        };
        join_tx.send(join).await.unwrap();
        inboxes.push((name, inbox_rx));
    }
    drop(join_tx);
    let mut members = Vec::new();
    for (name, inbox) in inboxes {
        members.push((name, tokio::spawn(member(name, say_tx.clone(), inbox))));
    }
    drop(say_tx);

    let mut transcript = Vec::new();
    for (name, handle) in members {
        let mut heard = timeout(LIMIT, handle)
            .await
            .expect("a member hung")
            .unwrap();
        let order = in_order(&heard);
        heard.sort();
        transcript.push(format!(
            "{name} heard {} lines, in order: {order}",
            heard.len()
        ));
        transcript.extend(heard.into_iter().map(|line| format!("  {line}")));
    }
    let delivered = timeout(LIMIT, hub).await.expect("the hub hung").unwrap();
    transcript.push(format!("hub delivered {delivered}"));
    transcript.join("\n")
}
