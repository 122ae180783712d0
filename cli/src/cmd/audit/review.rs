//! `wt audit review [--through SEQ]`: record that you reviewed the audit log.

use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{AuditReview, AuditReviewRequest};

pub const ABOUT: &str = "Record a review of the audit log";
pub const LONG_ABOUT: &str = "\
Record that you reviewed the audit log up to an entry (default: the latest one). The
production readiness checks look for a recent review after sensitive changes; entries after
the last review are what `wt audit list --unreviewed` shows.

JSON (--output json): the AuditReview object as is: {id, reviewed_by, reviewed_at,
through_seq}.

Examples:
  wt audit list --unreviewed
  wt audit review
  wt audit review --through 1234 --output json";

/// `wt audit review` options.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The last entry you reviewed [default: the latest entry]
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(i64).range(1..))]
    pub through: Option<i64>,
}

/// Records a review.
pub async fn run(args: ReviewArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let body = AuditReviewRequest {
        through_seq: args.through,
    };
    let review: AuditReview = ctx
        .client()?
        .post("/orgs/audit-logs/reviews", &body, Some(&token))
        .await?;
    ctx.io.emit(ctx.output, &review, |io| {
        io.key_value_table(&[
            ("Review", review.id.clone()),
            ("Reviewed by", review.reviewed_by.clone()),
            ("Reviewed at", review.reviewed_at.clone()),
            ("Through seq", review.through_seq.to_string()),
        ])
    })
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const REVIEWS: &str = "/api/v1/orgs/audit-logs/reviews";

    fn review_json() -> serde_json::Value {
        serde_json::json!({
            "id": "arv_1", "reviewed_by": "owner@example.com",
            "reviewed_at": "2026-01-01T00:00:00Z", "through_seq": 1234
        })
    }

    #[test]
    fn review_parses_through_and_refuses_zero() {
        let cli = parse_from(["wt", "audit", "review", "--through", "1234"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(
            matches!(cli.command, Command::Audit(AuditCommand::Review(a)) if a.through == Some(1234))
        );
        assert!(parse_from(["wt", "audit", "review", "--through", "0"]).is_err());
    }

    #[tokio::test]
    async fn review_posts_through_seq_and_prints_the_review_as_is() {
        let r = run_wt(
            &[
                "wt",
                "audit",
                "review",
                "--through",
                "1234",
                "--output",
                "json",
            ],
            "",
            vec![("POST", REVIEWS, Reply::json(201, review_json()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"through_seq": 1234}));
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, review_json());
    }

    #[tokio::test]
    async fn review_without_through_sends_an_empty_request() {
        let r = run_wt(
            &["wt", "audit", "review", "--output", "table"],
            "",
            vec![("POST", REVIEWS, Reply::json(201, review_json()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({}));
        assert!(r.out.contains("1234"), "{}", r.out);
    }
}
