//! The 治理项目 API (`docs/api-projects.md`): the projects the caller may see with their
//! effect, a new one, a change. The types are the contract's (`binhe_api::projects`).

use binhe_api::projects::{ProjectInput, ProjectList, ProjectView};

use super::{ApiError, get_json, post_json, put_json};

pub async fn list() -> Result<ProjectList, ApiError> {
    get_json("/api/projects").await
}

pub async fn create(input: &ProjectInput) -> Result<ProjectView, ApiError> {
    post_json("/api/projects", input).await
}

/// The change of project `id`, based on `input.version`.
pub async fn update(id: i64, input: &ProjectInput) -> Result<ProjectView, ApiError> {
    put_json(&format!("/api/projects/{id}"), input).await
}
