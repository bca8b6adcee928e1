//! Rules about djsec itself (`DJS9xx`).

pub mod suppression;
