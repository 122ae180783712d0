//! Every JSON request body type of the API: decoding arbitrary bytes never panics, and what
//! decodes re-encodes and decodes to the same value's JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: DeserializeOwned + Serialize>(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_string(&v).unwrap_or_default();
        let again: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(serde_json::to_string(&again).unwrap_or_default(), text);
    }
}

fuzz_target!(|data: &[u8]| {
    use wt_api::*;
    round_trip::<SetupRequest>(data);
    round_trip::<LoginRequest>(data);
    round_trip::<MfaVerifyRequest>(data);
    round_trip::<TotpConfirmRequest>(data);
    round_trip::<MfaStepUpRequest>(data);
    round_trip::<OrgSettingsPatch>(data);
    round_trip::<InviteCreateRequest>(data);
    round_trip::<TokenRequest>(data);
    round_trip::<InviteAcceptRequest>(data);
    round_trip::<MemberUpdateRequest>(data);
    round_trip::<ForgotPasswordRequest>(data);
    round_trip::<ResetPasswordRequest>(data);
    round_trip::<ChangePasswordRequest>(data);
    round_trip::<AuditReviewRequest>(data);
    round_trip::<ApiKeyCreateRequest>(data);
    round_trip::<ApiKeyUpdateRequest>(data);
    round_trip::<ApiKeyRotateRequest>(data);
    round_trip::<IngestRequest>(data);
    round_trip::<AllowedIpCreateRequest>(data);
    round_trip::<AllowedIpCheckRequest>(data);
    round_trip::<StepUpRequest>(data);
    round_trip::<AccessTokenCreateRequest>(data);
});
