//! XEP-0077: In-Band Registration, before login. Both kinds of servers are handled: those that
//! describe the registration with a XEP-0004 data form (submitted as a form) and those that list
//! plain fields (`<username/>`, `<password/>`).

use xmpp::minidom::Element;
use xmpp::parsers::{
    data_forms::{DataForm, DataFormType, Field, FieldType},
    ibr::{FieldsQuery, FormQuery, LegacyQuery},
    iq::Iq,
    jid::{BareJid, Jid},
    ns,
    stanza_error::{DefinedCondition, StanzaError},
};

use crate::error::{Error, Result};
use crate::session::{request, LOGIN_TIMEOUT};
use crate::transport::{self, ConnectOptions};

const NS_OOB: &str = "jabber:x:oob";
const NS_CAPTCHA: &str = "urn:xmpp:captcha";

/// What the server asked for, as read from its answer to the fields query.
#[derive(Debug, PartialEq)]
pub(crate) enum Registration {
    Form(DataForm),
    Legacy { fields: Vec<String> },
    /// The server only points to a web page.
    WebOnly(Option<String>),
    Captcha(Option<String>),
}

fn oob_url(query: &Element) -> Option<String> {
    query
        .get_child("x", NS_OOB)
        .and_then(|x| x.get_child("url", NS_OOB))
        .map(|u| u.text().trim().to_owned())
        .filter(|u| !u.is_empty())
}

pub(crate) fn read_fields(query: &Element) -> Result<Registration> {
    let url = oob_url(query);
    if let Some(x) = query.get_child("x", ns::DATA_FORMS) {
        let form = DataForm::try_from(x.clone()).map_err(|e| Error::RegistrationFailed(format!("bad form: {e}")))?;
        let captcha = form.form_type() == Some(NS_CAPTCHA)
            || form.fields.iter().any(|f| !f.media.is_empty() || f.var.as_deref() == Some("ocr"));
        if captcha {
            return Ok(Registration::Captcha(url));
        }
        return Ok(Registration::Form(form));
    }
    let fields: Vec<String> = query
        .children()
        .filter(|c| c.ns() == ns::REGISTER && !matches!(c.name(), "instructions" | "registered"))
        .map(|c| c.name().to_owned())
        .collect();
    if fields.iter().any(|f| f == "username") && fields.iter().any(|f| f == "password") {
        return Ok(Registration::Legacy { fields });
    }
    Ok(Registration::WebOnly(url))
}

/// Fills the server's form: user name and password, hidden fields kept as given, and nothing
/// invented for fields we have no value for.
pub(crate) fn fill_form(form: &DataForm, username: &str, password: &str) -> Result<DataForm> {
    let mut fields = Vec::new();
    let mut has_user = false;
    let mut has_pass = false;
    for field in &form.fields {
        let Some(var) = field.var.as_deref() else { continue };
        let value = match var {
            "FORM_TYPE" => continue,
            "username" => {
                has_user = true;
                username.to_owned()
            }
            "password" => {
                has_pass = true;
                password.to_owned()
            }
            _ if field.type_ == FieldType::Hidden || !field.values.is_empty() => {
                let mut copy = Field::new(var, field.type_.clone());
                copy.values = field.values.clone();
                fields.push(copy);
                continue;
            }
            _ if field.required => {
                return Err(Error::NotAcceptable(format!(
                    "the server also requires “{}”, which Hongyan cannot fill in yet",
                    field.label.as_deref().unwrap_or(var)
                )))
            }
            _ => continue,
        };
        fields.push(Field::new(var, FieldType::TextSingle).with_value(&value));
    }
    if !has_user || !has_pass {
        return Err(Error::RegistrationFailed("the server's form has no user name or password".into()));
    }
    let form_type = form.form_type().unwrap_or(ns::REGISTER);
    Ok(DataForm::new(DataFormType::Submit, form_type, fields))
}

pub(crate) fn map_error(error: &StanzaError, url: Option<String>) -> Error {
    let text = error.texts.values().next().cloned().unwrap_or_default();
    match error.defined_condition {
        DefinedCondition::Conflict => Error::UsernameTaken,
        DefinedCondition::NotAcceptable | DefinedCondition::BadRequest | DefinedCondition::JidMalformed => {
            Error::NotAcceptable(if text.is_empty() { format!("{:?}", error.defined_condition) } else { text })
        }
        DefinedCondition::NotAllowed
        | DefinedCondition::Forbidden
        | DefinedCondition::ServiceUnavailable
        | DefinedCondition::FeatureNotImplemented
        | DefinedCondition::RegistrationRequired => Error::RegistrationClosed { url },
        DefinedCondition::ResourceConstraint | DefinedCondition::PolicyViolation => Error::RegistrationFailed(
            if text.is_empty() { "the server limits new accounts right now; try again later".into() } else { text },
        ),
        _ => Error::RegistrationFailed(if text.is_empty() { format!("{:?}", error.defined_condition) } else { text }),
    }
}

/// Creates `jid` on its server with `password`.
pub async fn register(jid: &BareJid, password: &str, opts: &ConnectOptions) -> Result<()> {
    let username = jid
        .node()
        .ok_or_else(|| Error::InvalidJid(format!("{jid} has no user name")))?
        .as_str()
        .to_owned();
    if password.is_empty() {
        return Err(Error::InvalidInput("the password is empty".into()));
    }
    let password = crate::session::scram::prepare_new_password(password)?;
    tokio::time::timeout(LOGIN_TIMEOUT, register_inner(jid, &username, &password, opts))
        .await
        .map_err(|_| Error::Timeout)?
}

async fn register_inner(jid: &BareJid, username: &str, password: &str, opts: &ConnectOptions) -> Result<()> {
    let transport::Connected { mut stream, .. } = transport::connect(jid, opts).await?;
    let domain = Jid::new(jid.domain().as_str()).map_err(|e| Error::InvalidJid(e.to_string()))?;
    let answer = request(&mut stream, Iq::from_get("reg-1", FieldsQuery).with_to(domain.clone())).await?;
    let query = match answer {
        Iq::Result { payload: Some(query), .. } => query,
        Iq::Result { payload: None, .. } => return Err(Error::RegistrationFailed("empty answer".into())),
        Iq::Error { error, .. } => return Err(map_error(&error, None)),
        _ => return Err(Error::RegistrationFailed("unexpected answer".into())),
    };
    let url = oob_url(&query);
    let payload: Element = match read_fields(&query)? {
        Registration::Captcha(url) => return Err(Error::CaptchaRequired { url }),
        Registration::WebOnly(url) => return Err(Error::RegistrationClosed { url }),
        Registration::Form(form) => FormQuery { instructions: None, form: fill_form(&form, username, password)? }.into(),
        Registration::Legacy { .. } => LegacyQuery {
            username: Some(username.to_owned()),
            password: Some(password.to_owned()),
            ..Default::default()
        }
        .into(),
    };
    let submit = Iq::Set { from: None, to: Some(domain), id: "reg-2".into(), payload };
    let result = request(&mut stream, submit).await;
    // Close politely either way; the account (if created) is used by a fresh login.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), stream.shutdown()).await;
    match result? {
        Iq::Result { .. } => Ok(()),
        Iq::Error { error, .. } => Err(map_error(&error, url)),
        _ => Err(Error::RegistrationFailed("unexpected answer".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn legacy_fields_are_recognised() {
        let q = parse("<query xmlns='jabber:iq:register'><instructions>Choose</instructions><username/><password/></query>");
        assert_eq!(read_fields(&q).unwrap(), Registration::Legacy { fields: vec!["username".into(), "password".into()] });
    }

    #[test]
    fn data_form_is_preferred_and_filled() {
        let q = parse(
            "<query xmlns='jabber:iq:register'><username/><password/>\
             <x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>\
             <field var='username' type='text-single'><required/></field>\
             <field var='password' type='text-private'><required/></field>\
             <field var='token' type='hidden'><value>t-1</value></field>\
             <field var='email' type='text-single'/>\
             </x></query>",
        );
        let Registration::Form(form) = read_fields(&q).unwrap() else { panic!("expected a form") };
        let filled = fill_form(&form, "li.lei", "秘密pw").unwrap();
        assert_eq!(filled.type_, DataFormType::Submit);
        assert_eq!(filled.form_type(), Some("jabber:iq:register"));
        let value = |var: &str| filled.fields.iter().find(|f| f.var.as_deref() == Some(var)).map(|f| f.values.clone());
        assert_eq!(value("username"), Some(vec!["li.lei".to_string()]));
        assert_eq!(value("password"), Some(vec!["秘密pw".to_string()]));
        assert_eq!(value("token"), Some(vec!["t-1".to_string()]));
        assert_eq!(value("email"), None, "optional fields without a value are left out");
    }

    #[test]
    fn required_unknown_field_is_not_acceptable() {
        let q = parse(
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'>\
             <field var='username'><required/></field><field var='password'><required/></field>\
             <field var='email' label='E-mail'><required/></field></x></query>",
        );
        let Registration::Form(form) = read_fields(&q).unwrap() else { panic!("expected a form") };
        assert!(matches!(fill_form(&form, "a", "b"), Err(Error::NotAcceptable(m)) if m.contains("E-mail")));
    }

    #[test]
    fn captcha_and_web_only_are_reported_with_the_link() {
        let q = parse(
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:captcha</value></field>\
             <field var='ocr'/></x>\
             <x xmlns='jabber:x:oob'><url>https://example.org/signup</url></x></query>",
        );
        assert_eq!(read_fields(&q).unwrap(), Registration::Captcha(Some("https://example.org/signup".into())));
        let q = parse("<query xmlns='jabber:iq:register'><instructions>Use the web</instructions><x xmlns='jabber:x:oob'><url>https://example.org/r</url></x></query>");
        assert_eq!(read_fields(&q).unwrap(), Registration::WebOnly(Some("https://example.org/r".into())));
    }

    #[test]
    fn errors_map_to_their_own_codes() {
        let err = |c| StanzaError::new(xmpp::parsers::stanza_error::ErrorType::Cancel, c, "en", "");
        assert_eq!(map_error(&err(DefinedCondition::Conflict), None).code(), "username_taken");
        assert_eq!(map_error(&err(DefinedCondition::NotAllowed), None).code(), "registration_closed");
        assert_eq!(map_error(&err(DefinedCondition::NotAcceptable), None).code(), "not_acceptable");
        assert_eq!(map_error(&err(DefinedCondition::ResourceConstraint), None).code(), "registration_failed");
    }
}
