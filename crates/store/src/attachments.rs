//! Files of messages: where to fetch them, what to call them, and where our copy is.

use sqlx::SqliteConnection;

use crate::{no_message, Attachment, AttachmentState, Error, NewAttachment, Result, Store};

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    message_id: i64,
    url: Option<String>,
    name: Option<String>,
    mime: Option<String>,
    size: Option<i64>,
    hash_algo: Option<String>,
    hash: Option<String>,
    local_path: Option<String>,
    state: String,
    thumbnail_url: Option<String>,
    thumbnail_path: Option<String>,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = Error;

    fn try_from(r: AttachmentRow) -> Result<Attachment> {
        let size = r
            .size
            .map(|s| {
                u64::try_from(s)
                    .map_err(|_| Error::Corrupt(format!("size {s} of attachment {}", r.id)))
            })
            .transpose()?;
        Ok(Attachment {
            id: r.id,
            message_id: r.message_id,
            file: NewAttachment {
                url: r.url,
                name: r.name,
                mime: r.mime,
                size,
                hash_algo: r.hash_algo,
                hash: r.hash,
                local_path: r.local_path,
                state: AttachmentState::parse(&r.state)?,
                thumbnail_url: r.thumbnail_url,
                thumbnail_path: r.thumbnail_path,
            },
        })
    }
}

/// The columns of `attachment` in [`AttachmentRow`] order.
macro_rules! columns {
    () => {
        "id, message_id, url, name, mime, size, hash_algo, hash, local_path, state,
         thumbnail_url, thumbnail_path"
    };
}

fn size_of(file: &NewAttachment) -> Result<Option<i64>> {
    file.size
        .map(|s| i64::try_from(s).map_err(|_| Error::Invalid(format!("file size {s}"))))
        .transpose()
}

fn check(file: &NewAttachment) -> Result<()> {
    if file.hash_algo.is_some() != file.hash.is_some() {
        return Err(Error::Invalid(
            "a file hash needs both its algorithm and its value".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Adds a file to message `message_id`. Fails with `Error::Db(sqlx::Error::RowNotFound)`
    /// when there is no such message or it was retracted, and with [`Error::Invalid`] for a
    /// hash without its algorithm (or the reverse) or a size beyond `i64`.
    pub async fn add_attachment(
        &self,
        message_id: i64,
        file: &NewAttachment,
    ) -> Result<Attachment> {
        check(file)?;
        let row: Option<AttachmentRow> = sqlx::query_as(concat!(
            "INSERT INTO attachment (message_id, url, name, mime, size, hash_algo, hash,
                                     local_path, state, thumbnail_url, thumbnail_path)
             SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM message
             WHERE id = ?1 AND retracted_at IS NULL
             RETURNING ",
            columns!()
        ))
        .bind(message_id)
        .bind(&file.url)
        .bind(&file.name)
        .bind(&file.mime)
        .bind(size_of(file)?)
        .bind(&file.hash_algo)
        .bind(&file.hash)
        .bind(&file.local_path)
        .bind(file.state.as_str())
        .bind(&file.thumbnail_url)
        .bind(&file.thumbnail_path)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(no_message)?.try_into()
    }

    /// Replaces every field of attachment `id` but its message (a download finished, an
    /// upload got its URL); returns it as stored, or `None` when there is no such attachment.
    pub async fn update_attachment(
        &self,
        id: i64,
        file: &NewAttachment,
    ) -> Result<Option<Attachment>> {
        check(file)?;
        let row: Option<AttachmentRow> = sqlx::query_as(concat!(
            "UPDATE attachment
             SET url = ?2, name = ?3, mime = ?4, size = ?5, hash_algo = ?6, hash = ?7,
                 local_path = ?8, state = ?9, thumbnail_url = ?10, thumbnail_path = ?11
             WHERE id = ?1
             RETURNING ",
            columns!()
        ))
        .bind(id)
        .bind(&file.url)
        .bind(&file.name)
        .bind(&file.mime)
        .bind(size_of(file)?)
        .bind(&file.hash_algo)
        .bind(&file.hash)
        .bind(&file.local_path)
        .bind(file.state.as_str())
        .bind(&file.thumbnail_url)
        .bind(&file.thumbnail_path)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Attachment::try_from).transpose()
    }

    /// The files of message `message_id`, in the order they were added.
    pub async fn attachments(&self, message_id: i64) -> Result<Vec<Attachment>> {
        let mut conn = self.pool.acquire().await?;
        attachments_of(&mut conn, message_id).await
    }
}

pub(crate) async fn attachments_of(
    conn: &mut SqliteConnection,
    message_id: i64,
) -> Result<Vec<Attachment>> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM attachment WHERE message_id = ?1 ORDER BY id"
    ))
    .bind(message_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Attachment::try_from).collect()
}
