//! Members (`wt members`, `/orgs/members`; SPEC flow 2, SECURITY.md F): role changes,
//! removal, their sessions, and what an owner or admin does to a member's account. Role
//! guard rails come from `wt_core::permissions`; the last-owner rule is the store's, inside
//! the transaction.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service::notices;
use crate::state::AppState;
use crate::wire::member_json;
use std::collections::HashMap;
use wt_api::{Member, MemberListQuery, PAGE_MAX, Page, Role};
use wt_core::audit::{AuditEvent, actions};
use wt_core::ids;
use wt_core::paging::MemberAfter;
use wt_core::permissions::{self, Permission, check_role_grant};
use wt_store::{MemberRecord, OrgRecord, ReviewRecord, SecondFactors};

/// `GET /orgs/members`: every member (oldest first, ties by email; the console's list and
/// older clients), or with a `limit` a page of them (oldest first, ties by user id) and the
/// cursor of the next one (`None` on the last page).
pub async fn list(
    state: &AppState,
    auth: &Auth,
    q: MemberListQuery,
) -> Result<Page<Member>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let limit = match q.limit {
        None => None,
        Some(n @ 1..=PAGE_MAX) => Some(n),
        Some(_) => {
            return Err(ApiError::Validation(format!(
                "limit: 1 to {PAGE_MAX} members a page"
            )));
        }
    };
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(MemberAfter::from_cursor(c).ok_or_else(|| {
            ApiError::Validation("cursor: use the next_cursor of the previous page".into())
        })?),
    };
    if limit.is_none() && after.is_none() {
        let records = state.store.members_list(&auth.org.id).await?;
        let factors = state.store.org_second_factors(&auth.org.id).await?;
        return Ok(Page {
            items: members_json(&records, &factors),
            next_cursor: None,
        });
    }
    // One more than the page: whether there is a next one.
    let mut records = state
        .store
        .members_page(&auth.org.id, after, limit.map_or(u32::MAX, |n| n + 1))
        .await?;
    let next_cursor = match limit {
        Some(n) if records.len() > n as usize => {
            records.truncate(n as usize);
            records.last().map(|m| {
                MemberAfter {
                    joined_at: m.joined_at,
                    user_id: m.user.id.clone(),
                }
                .to_cursor()
            })
        }
        _ => None,
    };
    // A page's own factors (at most PAGE_MAX ids in one query); the org's for the rest
    // of the list after a cursor without a limit.
    let factors = match limit {
        Some(_) => {
            let ids: Vec<String> = records.iter().map(|m| m.user.id.clone()).collect();
            state.store.users_second_factors(&ids).await?
        }
        None => state.store.org_second_factors(&auth.org.id).await?,
    };
    Ok(Page {
        items: members_json(&records, &factors),
        next_cursor,
    })
}

fn members_json(records: &[MemberRecord], factors: &HashMap<String, SecondFactors>) -> Vec<Member> {
    records
        .iter()
        .map(|m| {
            member_json(
                m,
                factors.get(&m.user.id).copied().unwrap_or_default().into(),
            )
        })
        .collect()
}

/// `PATCH /orgs/members/{id}`.
pub async fn set_role(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
    role: Role,
) -> Result<MemberRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, current) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The self-change rule looks at the member behind the credential (for a token, its
    // creator: SECURITY.md J.59).
    check_role_grant(auth.role, target.id == auth.user.id, Some(current), role)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    auth.require_step_up_to_grant(role, state.now())?;
    let ev = AuditEvent::new(auth.actor(), actions::MEMBER_ROLE_CHANGED, &meta.audit())
        .target("user", &target.id)
        .details(serde_json::json!({ "email": target.email, "from": current, "to": role }));
    state
        .store
        .member_set_role(&auth.org.id, &target.id, role, state.now(), ev)
        .await?;
    member(state, &auth.org.id, &target.id).await
}

async fn member(state: &AppState, org_id: &str, user_id: &str) -> Result<MemberRecord, ApiError> {
    state
        .store
        .members_list(org_id)
        .await?
        .into_iter()
        .find(|m| m.user.id == user_id)
        .ok_or(ApiError::NotFound)
}

/// `DELETE /orgs/members/{id}`: their sessions in the org end at once (C.22, B.15).
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<(), ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, current) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if target.id == auth.user.id {
        return Err(ApiError::Forbidden(
            "you cannot remove yourself: ask another owner or admin".into(),
        ));
    }
    if current == Role::Owner && auth.role != Role::Owner {
        return Err(ApiError::Forbidden(
            permissions::RoleChangeError::OwnerProtected.to_string(),
        ));
    }
    // Removal needs a fresh sign-in or step-up (SECURITY.md J.65).
    auth.require_step_up(state.now())?;
    let ev = AuditEvent::new(auth.actor(), actions::MEMBER_REMOVED, &meta.audit())
        .target("user", &target.id)
        .details(serde_json::json!({ "email": target.email, "role": current }));
    state
        .store
        .member_remove(&auth.org.id, &target.id, state.now(), ev)
        .await?;
    notices::security_notice(
        state,
        &auth.org,
        &target.email,
        "You were removed from the org",
        Some(meta),
    )
    .await?;
    Ok(())
}

/// Target checks shared by actions an owner or admin takes on another member.
pub(crate) async fn managed_member(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
) -> Result<(wt_store::UserRecord, Role), ApiError> {
    auth.require(Permission::MembersManage)?;
    let (target, role) = state
        .store
        .member(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if role == Role::Owner && auth.role != Role::Owner {
        return Err(ApiError::Forbidden(
            permissions::RoleChangeError::OwnerProtected.to_string(),
        ));
    }
    Ok((target, role))
}

/// [`managed_member`] for changes to the account itself (its MFA, its password), which
/// reach every org the member belongs to: the caller must be able to manage them in each
/// of those orgs too, so an admin of one org cannot weaken an owner of another.
pub(crate) async fn managed_account(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
) -> Result<(wt_store::UserRecord, Role), ApiError> {
    let (target, role) = managed_member(state, auth, user_id).await?;
    let memberships = async |user_id: &str| -> Result<Vec<(OrgRecord, Role)>, ApiError> {
        Ok(state
            .store
            .user_by_id(user_id)
            .await?
            .map(|c| c.memberships)
            .unwrap_or_default())
    };
    let (theirs, mine) = (
        memberships(&target.id).await?,
        memberships(&auth.user.id).await?,
    );
    for (org, their_role) in theirs.iter().filter(|(o, _)| o.id != auth.org.id) {
        let my_role = mine.iter().find(|(o, _)| o.id == org.id).map(|(_, r)| *r);
        let allowed = my_role.is_some_and(|r| {
            permissions::allows(r, Permission::MembersManage)
                && (*their_role != Role::Owner || r == Role::Owner)
        });
        if !allowed {
            return Err(ApiError::Forbidden(format!(
                "{} also belongs to the org {:?}, where you cannot manage them: ask an owner there",
                target.email, org.slug
            )));
        }
    }
    Ok((target, role))
}

/// `DELETE /orgs/members/{id}/sessions`: ends a member's sessions in the org (B.16).
pub async fn revoke_sessions(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<usize, ApiError> {
    let (target, _) = managed_member(state, auth, user_id).await?;
    let ev = AuditEvent::new(
        auth.actor(),
        actions::MEMBER_SESSIONS_REVOKED,
        &meta.audit(),
    )
    .target("user", &target.id);
    Ok(state
        .store
        .member_sessions_revoke(&auth.org.id, &target.id, state.now(), ev)
        .await?)
}

/// `POST /orgs/members/{id}/password-reset`: mails the member a reset link; the admin
/// never sets or sees the password or the link (D.34).
pub async fn send_reset(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    user_id: &str,
) -> Result<(), ApiError> {
    // Acting on a person's credentials: a person, freshly signed in (J.65).
    auth.require_step_up(state.now())?;
    let (target, _) = managed_account(state, auth, user_id).await?;
    if target.id == auth.user.id {
        return Err(ApiError::Validation(
            "change your own password with `wt password change`".into(),
        ));
    }
    let ev = AuditEvent::new(auth.actor(), actions::PASSWORD_RESET_SENT, &meta.audit())
        .target("user", &target.id);
    state
        .store
        .append_audit(&auth.org.id, ev, state.now())
        .await?;
    crate::service::resets::send_reset(state, meta, &target.email).await
}

/// `POST /orgs/members/reviews`: records who reviewed which members' roles, and when.
pub async fn review(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
) -> Result<ReviewRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    let members: Vec<wt_api::ReviewedMember> = state
        .store
        .members_list(&auth.org.id)
        .await?
        .into_iter()
        .map(|m| wt_api::ReviewedMember {
            id: m.user.id,
            email: m.user.email,
            role: m.role,
        })
        .collect();
    let review = ReviewRecord {
        id: ids::new_id("rev"),
        reviewed_by: auth.user.email.clone(),
        reviewed_at: state.now(),
        members_json: serde_json::to_string(&members)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let ev = AuditEvent::new(auth.actor(), actions::MEMBERS_REVIEWED, &meta.audit())
        .target("review", &review.id)
        .details(serde_json::json!({ "members": members.len() }));
    state
        .store
        .member_review_create(&auth.org.id, review.clone(), ev)
        .await?;
    Ok(review)
}

/// Where a member stands with two-factor authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaState {
    On,
    Off,
    /// Off, and the org requires it for their role (SECURITY.md E.46): the row an admin
    /// must act on.
    Missing,
}

/// A row of the console's member list: the member, their MFA standing, their live
/// sessions in the org and their last sign-in to it.
#[derive(Debug, Clone)]
pub struct MemberOverview {
    pub member: MemberRecord,
    pub mfa: MfaState,
    /// Which second factors (`totp`, `passkey`, `totp+passkey`, `none`).
    pub mfa_methods: &'static str,
    pub sessions: usize,
    /// RFC 3339, UTC.
    pub last_sign_in: Option<String>,
}

/// The member list with what an owner or admin checks first (who lacks MFA, who is
/// signed in where). One query each for the org's sessions, last sign-ins (a summary the
/// audit append keeps: one row per member) and second factors: a query per member made the
/// list's cost grow with the org.
pub async fn overview(state: &AppState, auth: &Auth) -> Result<Vec<MemberOverview>, ApiError> {
    auth.require(Permission::MembersRead)?;
    let (org, store) = (&auth.org.id, &state.store);
    // Four independent reads, side by side on the read pool.
    let (members, org_sessions, last_sign_ins, factors) = tokio::try_join!(
        store.members_list(org),
        store.org_sessions(org, state.now()),
        store.audit_last_sign_ins(org),
        store.org_second_factors(org),
    )?;
    let mut sessions: HashMap<String, usize> = HashMap::new();
    for s in org_sessions {
        *sessions.entry(s.session.user_id).or_default() += 1;
    }
    let mut last_sign_ins: HashMap<String, String> = last_sign_ins.into_iter().collect();
    Ok(members
        .into_iter()
        .map(|member| {
            let id = &member.user.id;
            let (sessions, last_sign_in) = (
                sessions.get(id).copied().unwrap_or(0),
                last_sign_ins.remove(id),
            );
            let factors = factors.get(id).copied().unwrap_or_default();
            member_overview(auth, member, factors, sessions, last_sign_in)
        })
        .collect())
}

/// One row of [`overview`], for the member's own page: the same fields from queries
/// about that member only. `NotFound` for an id that is not a member of the org.
pub async fn overview_one(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
) -> Result<MemberOverview, ApiError> {
    auth.require(Permission::MembersRead)?;
    let member = state
        .store
        .member_record(&auth.org.id, user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (org, store) = (&auth.org.id, &state.store);
    let (sessions, last_sign_in, factors) = tokio::try_join!(
        store.list_sessions(org, user_id, state.now()),
        store.audit_last_sign_in(org, user_id),
        store.second_factors(user_id),
    )?;
    let sessions = sessions.len();
    Ok(member_overview(
        auth,
        member,
        factors,
        sessions,
        last_sign_in,
    ))
}

fn member_overview(
    auth: &Auth,
    member: MemberRecord,
    factors: wt_store::SecondFactors,
    sessions: usize,
    last_sign_in: Option<String>,
) -> MemberOverview {
    let mfa = if member.user.mfa_enabled {
        MfaState::On
    } else if permissions::mfa_enrollment_required(member.role, &auth.org.mfa_required_roles, false)
    {
        MfaState::Missing
    } else {
        MfaState::Off
    };
    MemberOverview {
        sessions,
        mfa_methods: wt_core::passkey::Factors::from(factors).describe(),
        member,
        mfa,
        last_sign_in,
    }
}
