//! SQL injection (`DJS2xx`).

pub mod raw_sql;
