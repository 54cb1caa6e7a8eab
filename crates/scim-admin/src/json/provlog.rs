//! JSON (and CSV) of the provisioning log's rows: the admin API's
//! `GET …/log`, its JSON-lines and CSV exports, the console's exports
//! and `scimd log --json`.

use scim_core::timestamp::Timestamp;
use scim_service::provlog_read::LogRow;
use serde::Serialize;
use utoipa::ToSchema;

/// One SCIM request as the provisioning log recorded it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogRowJson {
    /// Increasing in the order rows were written (the live tail's cursor).
    pub seq: i64,
    /// When the request arrived.
    pub at: String,
    /// The connection's name (`null`: the token named none).
    pub connection: Option<String>,
    /// The client's address, for requests refused before a caller was known.
    pub client: Option<String>,
    /// A refused token's display prefix (`scimd_` and four characters).
    pub token_prefix: Option<String>,
    pub method: String,
    /// Relative to the SCIM base URL, redacted.
    pub path: String,
    /// Decoded and redacted (`filter` values compared with secrets, other
    /// parameters' values).
    pub query: String,
    pub resource: Option<String>,
    pub resource_id: Option<String>,
    pub status: u16,
    /// How long the request took, in milliseconds.
    pub ms: f64,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    pub request_id: String,
    /// For a write: the audit log around it (console path).
    pub audit: Option<String>,
}

/// The console path of the audit entries a logged write made: its
/// connection's entries from a second before its start to a second after
/// its end.
pub fn audit_href(tenant: &str, row: &LogRow) -> Option<String> {
    let e = &row.record.entry;
    if !e.audited {
        return None;
    }
    // A second of slack on each side: the row's time and duration and the
    // entry's time come from different clock readings, rounded to the
    // millisecond.
    let start = Timestamp::from_unix_millis(e.at.unix_millis() - 1000)?;
    let end = e.at.unix_millis() + e.micros / 1000 + 1000;
    let until = Timestamp::from_unix_millis(end)?;
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let conn = row
        .connection
        .as_deref()
        .map(|c| format!("connection={}&", enc(c)))
        .unwrap_or_default();
    Some(format!(
        "/admin/t/{}/audit?{conn}since={}&until={}",
        enc(tenant),
        enc(&start.to_string()),
        enc(&until.to_string())
    ))
}

impl LogRowJson {
    pub fn of(tenant: &str, row: &LogRow) -> Self {
        let e = &row.record.entry;
        LogRowJson {
            seq: row.record.seq,
            at: e.at.to_string(),
            connection: row.connection.clone(),
            client: e.client.clone(),
            token_prefix: e.token_prefix.clone(),
            method: e.method.clone(),
            path: e.path.clone(),
            query: e.query.clone(),
            resource: e.resource.clone(),
            resource_id: e.resource_id.clone(),
            status: e.status,
            ms: e.micros as f64 / 1000.0,
            scim_type: e.scim_type.clone(),
            detail: e.detail.clone(),
            request_id: e.request_id.clone(),
            audit: audit_href(tenant, row),
        }
    }

    /// The CSV header line (with its line end).
    pub const CSV_HEADER: &'static str = "seq,at,connection,client,tokenPrefix,method,path,query,status,ms,scimType,detail,requestId\r\n";

    /// This row as a CSV line (RFC 4180, with its line end); a cell that
    /// a spreadsheet would read as a formula starts with `'`.
    pub fn csv(&self) -> String {
        let cells = [
            self.seq.to_string(),
            self.at.clone(),
            self.connection.clone().unwrap_or_default(),
            self.client.clone().unwrap_or_default(),
            self.token_prefix.clone().unwrap_or_default(),
            self.method.clone(),
            self.path.clone(),
            self.query.clone(),
            self.status.to_string(),
            format!("{:.3}", self.ms),
            self.scim_type.clone().unwrap_or_default(),
            self.detail.clone().unwrap_or_default(),
            self.request_id.clone(),
        ];
        let mut line = cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    }
}

fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-1,2"), "\"'-1,2\"");
    }
}
