//! The buddy list as the UI sees it: roster items (RFC 6121 §2) joined with the presence of
//! each of the contact's resources (RFC 6121 §4).

use std::collections::{BTreeMap, HashMap};

use hongyan_store::{RosterItem, Subscription};
use serde::{Deserialize, Serialize};
use xmpp::parsers::presence::{Presence, Show as WireShow, Type as PresenceType};
use xmpp::parsers::roster::{Ask, Item, Subscription as WireSubscription};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    Online,
    Chat,
    Away,
    Xa,
    Dnd,
    Offline,
}

impl Show {
    /// Higher is more available; used to pick a contact's best resource.
    pub fn rank(self) -> u8 {
        match self {
            Show::Chat => 5,
            Show::Online => 4,
            Show::Away => 3,
            Show::Xa => 2,
            Show::Dnd => 1,
            Show::Offline => 0,
        }
    }

    pub fn to_wire(self) -> Option<WireShow> {
        match self {
            Show::Online | Show::Offline => None,
            Show::Chat => Some(WireShow::Chat),
            Show::Away => Some(WireShow::Away),
            Show::Xa => Some(WireShow::Xa),
            Show::Dnd => Some(WireShow::Dnd),
        }
    }

    /// The lowercase name, as the UI and the store spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Show::Online => "online",
            Show::Chat => "chat",
            Show::Away => "away",
            Show::Xa => "xa",
            Show::Dnd => "dnd",
            Show::Offline => "offline",
        }
    }

    /// The show named by [`Show::as_str`], if any.
    pub fn from_name(name: &str) -> Option<Show> {
        Show::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub const ALL: [Show; 6] = [Show::Online, Show::Chat, Show::Away, Show::Xa, Show::Dnd, Show::Offline];

    fn from_wire(show: Option<&WireShow>) -> Show {
        match show {
            None => Show::Online,
            Some(WireShow::Chat) => Show::Chat,
            Some(WireShow::Away) => Show::Away,
            Some(WireShow::Xa) => Show::Xa,
            Some(WireShow::Dnd) => Show::Dnd,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePresence {
    pub resource: String,
    pub show: Show,
    pub status: Option<String>,
    pub priority: i8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub jid: String,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub subscription: Subscription,
    pub ask_pending: bool,
    pub in_roster: bool,
    /// Presence of the best resource (highest priority, then most available).
    pub show: Show,
    pub status: Option<String>,
    pub resources: Vec<ResourcePresence>,
}

pub fn item_from_wire(item: &Item) -> RosterItem {
    RosterItem {
        jid: item.jid.to_string(),
        name: item.name.clone().filter(|n| !n.trim().is_empty()),
        groups: item.groups.iter().map(|g| g.0.clone()).collect(),
        subscription: match item.subscription {
            WireSubscription::To => Subscription::To,
            WireSubscription::From => Subscription::From,
            WireSubscription::Both => Subscription::Both,
            WireSubscription::None | WireSubscription::Remove => Subscription::None,
        },
        ask_pending: item.ask == Ask::Subscribe,
    }
}

/// A presence update for one resource, read from a stanza.
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceUpdate {
    pub bare: String,
    pub resource: String,
    /// None: the resource went offline.
    pub presence: Option<ResourcePresence>,
}

pub fn presence_update(p: &Presence) -> Option<PresenceUpdate> {
    let from = p.from.as_ref()?;
    let bare = from.to_bare().to_string();
    let resource = from.resource().map(|r| r.as_str().to_owned()).unwrap_or_default();
    let presence = match p.type_ {
        PresenceType::None => Some(ResourcePresence {
            resource: resource.clone(),
            show: Show::from_wire(p.show.as_ref()),
            status: best_text(&p.statuses),
            priority: p.priority.0,
        }),
        PresenceType::Unavailable | PresenceType::Error => None,
        _ => return None,
    };
    Some(PresenceUpdate { bare, resource, presence })
}

fn best_text<K: Ord>(texts: &BTreeMap<K, String>) -> Option<String> {
    texts.values().map(|s| s.trim()).find(|s| !s.is_empty()).map(str::to_owned)
}

/// Roster plus presence, owned by an account's task; the handle reads snapshots of it.
#[derive(Debug, Default, Clone)]
pub struct Contacts {
    items: BTreeMap<String, RosterItem>,
    presence: HashMap<String, BTreeMap<String, ResourcePresence>>,
    /// People who asked to see our presence and have not been answered yet.
    requests: std::collections::BTreeSet<String>,
    /// People we added in this session: their request to see us back is approved at once.
    preapproved: std::collections::BTreeSet<String>,
}

impl Contacts {
    pub fn replace_roster(&mut self, items: Vec<RosterItem>) {
        self.items = items.into_iter().map(|i| (i.jid.clone(), i)).collect();
        let items = &self.items;
        self.presence.retain(|jid, _| items.contains_key(jid));
    }

    pub fn upsert(&mut self, item: RosterItem) {
        self.items.insert(item.jid.clone(), item);
    }

    pub fn remove(&mut self, jid: &str) {
        self.items.remove(jid);
        self.presence.remove(jid);
    }

    pub fn add_request(&mut self, jid: &str) {
        self.requests.insert(jid.to_owned());
    }

    pub fn answered(&mut self, jid: &str) {
        self.requests.remove(jid);
    }

    /// We added `jid` ourselves: approve their subscription request when it comes.
    pub fn preapprove(&mut self, jid: &str) {
        self.preapproved.insert(jid.to_owned());
    }

    /// Whether we asked `jid` first: our subscription request to them is pending, or we added
    /// them in this session. Seeing their presence alone does not count.
    pub fn we_asked(&self, jid: &str) -> bool {
        self.preapproved.contains(jid) || self.items.get(jid).is_some_and(|i| i.ask_pending)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.iter().cloned().collect()
    }

    pub fn item(&self, jid: &str) -> Option<&RosterItem> {
        self.items.get(jid)
    }

    /// Applies a presence update from a roster contact and returns the contact's new view;
    /// presence from anyone else is not kept.
    pub fn apply(&mut self, update: PresenceUpdate) -> Option<Contact> {
        if !self.items.contains_key(&update.bare) {
            return None;
        }
        let resources = self.presence.entry(update.bare.clone()).or_default();
        match update.presence {
            Some(p) => {
                resources.insert(update.resource, p);
            }
            None => {
                resources.remove(&update.resource);
            }
        }
        Some(self.contact(&update.bare))
    }

    /// How many JIDs presence is held for (at most the roster's size).
    pub fn presence_held(&self) -> usize {
        self.presence.len()
    }

    /// Everyone went offline (our connection dropped).
    pub fn clear_presence(&mut self) {
        self.presence.clear();
    }

    pub fn contact(&self, jid: &str) -> Contact {
        let item = self.items.get(jid);
        let mut resources: Vec<ResourcePresence> =
            self.presence.get(jid).map(|r| r.values().cloned().collect()).unwrap_or_default();
        resources.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.show.rank().cmp(&a.show.rank())));
        let best = resources.first();
        Contact {
            jid: jid.to_owned(),
            name: item.and_then(|i| i.name.clone()),
            groups: item.map(|i| i.groups.clone()).unwrap_or_default(),
            subscription: item.map(|i| i.subscription).unwrap_or(Subscription::None),
            ask_pending: item.is_some_and(|i| i.ask_pending),
            in_roster: item.is_some(),
            show: best.map_or(Show::Offline, |b| b.show),
            status: best.and_then(|b| b.status.clone()),
            resources,
        }
    }

    pub fn all(&self) -> Vec<Contact> {
        self.items.keys().map(|jid| self.contact(jid)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presence(xml: &str) -> Presence {
        let el: xmpp::minidom::Element = xml.parse().unwrap();
        Presence::try_from(el).unwrap()
    }

    fn item(jid: &str) -> RosterItem {
        RosterItem { jid: jid.into(), name: Some("王芳".into()), groups: vec![], subscription: Subscription::Both, ask_pending: false }
    }

    #[test]
    fn show_names_are_the_serde_names_the_store_keeps() {
        for show in Show::ALL {
            assert_eq!(serde_json::to_value(show).unwrap(), show.as_str());
            assert_eq!(Show::from_name(show.as_str()), Some(show));
        }
        assert_eq!(Show::ALL.map(Show::as_str), hongyan_store::OWN_PRESENCE_SHOWS);
        assert_eq!(Show::from_name("Away"), None);
    }

    #[test]
    fn best_resource_wins_and_offline_removes_it() {
        let mut c = Contacts::default();
        c.replace_roster(vec![item("wang@example.org")]);
        let away = presence("<presence xmlns='jabber:client' from='wang@example.org/phone'><show>away</show><status>在路上</status><priority>5</priority></presence>");
        let desk = presence("<presence xmlns='jabber:client' from='wang@example.org/desk'><priority>10</priority></presence>");
        c.apply(presence_update(&away).unwrap());
        let view = c.apply(presence_update(&desk).unwrap()).unwrap();
        assert_eq!(view.show, Show::Online);
        assert_eq!(view.resources.len(), 2);
        let gone = presence("<presence xmlns='jabber:client' from='wang@example.org/desk' type='unavailable'/>");
        let view = c.apply(presence_update(&gone).unwrap()).unwrap();
        assert_eq!(view.show, Show::Away);
        assert_eq!(view.status.as_deref(), Some("在路上"));
        assert_eq!(view.name.as_deref(), Some("王芳"));
    }

    #[test]
    fn strangers_presence_is_not_shown_and_subscription_stanzas_are_not_presence() {
        let mut c = Contacts::default();
        let p = presence("<presence xmlns='jabber:client' from='stranger@example.org/x'/>");
        assert!(c.apply(presence_update(&p).unwrap()).is_none());
        let sub = presence("<presence xmlns='jabber:client' from='stranger@example.org' type='subscribe'/>");
        assert!(presence_update(&sub).is_none());
        assert!(c.all().is_empty());
    }
}
