//! `wt members review`: record that the members' roles were reviewed (least privilege).

use super::list::{fetch_members, members_table};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::MemberReview;

pub const ABOUT: &str = "Record a review of the members' roles";
pub const LONG_ABOUT: &str = "\
Record that you reviewed who is a member and with which role (least privilege; the
production readiness checklist looks for a recent review). On a terminal wt first shows
the member list and asks for confirmation; --yes skips both (with --no-input, --yes is
required). The server records the members and roles as they are now.

JSON (--output json): the MemberReview object as is: {id, reviewed_by, reviewed_at,
members: [{id, email, role}]}.

Examples:
  wt members review
  wt members review --yes --output json";

/// `wt members review` options.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Record the review without showing the list and asking (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Records a review.
pub async fn run(args: ReviewArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    if !args.yes && !io.can_prompt() {
        return Err(CliError::InputRequired {
            what: "a confirmation",
            flag: "--yes",
        });
    }
    let (token, _) = ctx.bearer().await?;
    if !args.yes {
        let members = fetch_members(ctx, &token).await?;
        io.eprint_table(&members_table(io, &members));
        io.confirm_destructive(
            &format!(
                "Record that you reviewed these {} members and their roles?",
                members.len()
            ),
            false,
        )?;
    }
    let review: MemberReview = ctx
        .client()?
        .post(
            "/orgs/members/reviews",
            &serde_json::json!({}),
            Some(&token),
        )
        .await?;
    io.emit(ctx.output, &review, |io| {
        io.key_value_table(&[
            ("Review", review.id.clone()),
            ("Reviewed by", review.reviewed_by.clone()),
            ("Reviewed at", review.reviewed_at.clone()),
            ("Members", review.members.len().to_string()),
        ])
    })
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::members::MembersCommand;
    use crate::cmd::members::list::tests::members_page;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const REVIEWS: &str = "/api/v1/orgs/members/reviews";

    fn review_json() -> serde_json::Value {
        serde_json::json!({
            "id": "rev_1", "reviewed_by": "owner@example.com",
            "reviewed_at": "2026-01-01T00:00:00Z",
            "members": [{"id": "usr_o", "email": "owner@example.com", "role": "owner"}]
        })
    }

    fn routes() -> Vec<(&'static str, &'static str, Reply)> {
        vec![
            (
                "GET",
                "/api/v1/orgs/members?limit=200",
                Reply::json(200, members_page()),
            ),
            ("POST", REVIEWS, Reply::json(201, review_json())),
        ]
    }

    #[test]
    fn review_parses_yes() {
        let cli = parse_from(["wt", "members", "review", "--yes"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Members(MembersCommand::Review(a)) if a.yes));
    }

    #[tokio::test]
    async fn review_with_yes_posts_and_prints_the_review_as_is() {
        let r = run_wt(
            &[
                "wt",
                "members",
                "review",
                "--yes",
                "--no-input",
                "--output",
                "json",
            ],
            "",
            routes(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("POST", REVIEWS)
        );
        assert_eq!(r.body(0), serde_json::json!({}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, review_json());
    }

    #[tokio::test]
    async fn review_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(&["wt", "members", "review", "--no-input"], "", routes()).await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn review_on_a_terminal_shows_the_members_then_asks() {
        let r = run_wt_scripted(&["wt", "members", "review"], &["y"], routes()).await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.err.contains("bob@example.com") && r.err.contains("analyst"),
            "{}",
            r.err
        );
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].path, REVIEWS);
    }

    #[tokio::test]
    async fn review_declined_records_nothing() {
        let r = run_wt_scripted(&["wt", "members", "review"], &["n"], routes()).await;
        assert_eq!(r.failure().0, 1);
        assert_eq!(r.stub.requests().len(), 1, "only the list was fetched");
    }
}
