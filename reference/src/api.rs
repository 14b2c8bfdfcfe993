//! The generated `Api` trait, implemented on [`Reference`].

use std::sync::Arc;

use identity_document::catalog::ErrorCode;
use identity_document::models;
use identity_document::server::{
    Api, Auth, Identity, Refusal, Scheme, UploadIdentityDocumentInput,
    UploadIdentityDocumentResponse,
};
use sha2::{Digest, Sha256};

use crate::auth::{self, Kind, TokenError};
use crate::decode;
use crate::store::{Inserted, NewDocument, Store, UserView};
use crate::{Error, Reference};

/// Who an accepted credential names. Users are only ever compared with
/// users, partners with partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A partner (client of the API), by row id.
    Partner(i64),
    /// A registered user, by row id.
    User(i64),
}

impl From<TokenError> for Refusal {
    fn from(e: TokenError) -> Refusal {
        match e {
            TokenError::Malformed => Refusal::Malformed,
            TokenError::Unknown => Refusal::Unknown,
            TokenError::Expired => Refusal::Expired,
        }
    }
}

/// A catalog answer.
fn fail(code: ErrorCode) -> UploadIdentityDocumentResponse {
    UploadIdentityDocumentResponse::Error(code)
}

/// The code of the spec's state rule (`x-specgate-conflicts`): a repeat of
/// a pending documentType and documentSide.
fn conflict_code() -> ErrorCode {
    identity_document::constraints::UPLOAD_IDENTITY_DOCUMENT_CONFLICTS
        .first()
        .and_then(|c| ErrorCode::from_code(c.code))
        .unwrap_or(ErrorCode::ER999)
}

impl Reference {
    /// Run `f` on the store on a blocking thread.
    async fn on_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(Error::from_join)?
    }

    /// A storage failure while checking a credential: logged, and answered
    /// by the router as a server fault (the spec's fallback code, 500).
    fn auth_fault(scheme: Scheme, e: &Error) -> Refusal {
        tracing::error!(scheme = scheme.name(), error = %e, "credential lookup failed");
        Refusal::Fault
    }

    async fn check_credential(
        &self,
        scheme: Scheme,
        credential: &str,
    ) -> Result<Identity<Subject>, Refusal> {
        match scheme {
            Scheme::PartnerToken => {
                let id = self.tokens.verify(Kind::Partner, credential)?;
                let exists = self
                    .on_store(move |s| s.partner_exists(id))
                    .await
                    .map_err(|e| Self::auth_fault(scheme, &e))?;
                if !exists {
                    return Err(Refusal::Unknown);
                }
                Ok(Identity {
                    subject: Subject::Partner(id),
                    gone: false,
                })
            }
            Scheme::ApiKey => {
                let Some(handle) = auth::api_key_handle(credential) else {
                    return Err(Refusal::Unknown);
                };
                let handle = handle.to_owned();
                let row = self
                    .on_store(move |s| s.api_key(&handle))
                    .await
                    .map_err(|e| Self::auth_fault(scheme, &e))?;
                match row {
                    Some((partner, hash)) if auth::api_key_matches(credential, &hash) => {
                        Ok(Identity {
                            subject: Subject::Partner(partner),
                            gone: false,
                        })
                    }
                    _ => Err(Refusal::Unknown),
                }
            }
            Scheme::UserToken => {
                let id = self.tokens.verify(Kind::User, credential)?;
                let deleted = self
                    .on_store(move |s| s.user_deleted(id))
                    .await
                    .map_err(|e| Self::auth_fault(scheme, &e))?;
                match deleted {
                    Some(gone) => Ok(Identity {
                        subject: Subject::User(id),
                        gone,
                    }),
                    None => Err(Refusal::Unknown),
                }
            }
            Scheme::UserIdentifier => {
                let identifier = credential.to_owned();
                let linked = self
                    .on_store(move |s| s.linked(&identifier))
                    .await
                    .map_err(|e| Self::auth_fault(scheme, &e))?;
                match linked {
                    Some(l) => Ok(Identity {
                        subject: Subject::User(l.user_id),
                        gone: l.deleted,
                    }),
                    None => Err(Refusal::Unknown),
                }
            }
        }
    }

    async fn upload(
        &self,
        auth: &Auth<Subject>,
        body: models::IdentityDocumentUpload,
    ) -> UploadIdentityDocumentResponse {
        let user = [Scheme::UserToken, Scheme::UserIdentifier]
            .into_iter()
            .find_map(|s| match auth.get(s) {
                Some(Subject::User(id)) => Some(*id),
                _ => None,
            });
        let Some(user_id) = user else {
            tracing::error!("the router passed a request without a user subject");
            return fail(ErrorCode::ER999);
        };

        // The full decode, bounded in concurrency so memory stays bounded.
        // The permit moves into the blocking task: a client that goes away
        // does not free it before the decode ends.
        let Ok(permit) = Arc::clone(&self.decodes).acquire_owned().await else {
            tracing::error!("the decode semaphore is closed");
            return fail(ErrorCode::ER999);
        };
        let bytes = body.data.0;
        let decoded = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let result = decode::decode(&bytes);
            (bytes, result)
        })
        .await;
        let (bytes, decoded) = match decoded {
            Ok((bytes, Ok(d))) => (bytes, d),
            Ok((_, Err(why))) => {
                tracing::info!(why = %why, "full decode failed");
                return match decode::decode_code().and_then(ErrorCode::from_code) {
                    Some(code) => fail(code),
                    None => {
                        tracing::error!("the spec names no image-decode code");
                        fail(ErrorCode::ER999)
                    }
                };
            }
            Err(e) => {
                tracing::error!(error = %Error::from_join(e), "decode task failed");
                return fail(ErrorCode::ER999);
            }
        };

        let doc = NewDocument {
            user_id,
            document_type: body.document_type.as_str(),
            document_side: body.document_side.as_str(),
            media_type: decoded.media_type,
            width: decoded.width,
            height: decoded.height,
            sha256: auth::hex(&Sha256::digest(&bytes)),
            bytes,
        };
        let (sha256, len) = (doc.sha256.clone(), doc.bytes.len());
        let stored = self.on_store(move |s| s.insert_document(&doc)).await;
        let id = match stored {
            Ok(Inserted::Stored(id)) => id,
            Ok(Inserted::Conflict) => return fail(conflict_code()),
            Err(e) => {
                tracing::error!(error = %e, "storing the document failed");
                return fail(ErrorCode::ER900);
            }
        };
        match self.on_store(move |s| s.read_back(id, &sha256, len)).await {
            Ok(view) => match user_model(view) {
                Ok(user) => UploadIdentityDocumentResponse::Ok(user),
                Err(e) => {
                    tracing::error!(error = %e, "the stored user cannot be shown");
                    fail(ErrorCode::ER901)
                }
            },
            Err(e) => {
                tracing::error!(error = %e, document = id, "reading the stored document back failed");
                fail(ErrorCode::ER901)
            }
        }
    }
}

impl Api for Reference {
    type Subject = Subject;

    async fn authenticate(
        &self,
        scheme: Scheme,
        credential: &str,
    ) -> Result<Identity<Subject>, Refusal> {
        self.check_credential(scheme, credential).await
    }

    async fn upload_identity_document(
        &self,
        auth: Auth<Subject>,
        input: UploadIdentityDocumentInput,
    ) -> UploadIdentityDocumentResponse {
        self.upload(&auth, input.body).await
    }
}

/// A string of the database as one of the spec's enums.
fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| Error::Corrupt(format!("{s:?}: {e}")))
}

fn amount(value: f64, currency: &str) -> models::FiatAmount {
    models::FiatAmount {
        amount: value,
        currency_code: currency.to_owned(),
    }
}

/// The spec's user object for a user's stored row, wallets and documents.
#[allow(deprecated)] // enabledIbanAccounts is deprecated, and still answered
fn user_model(view: UserView) -> Result<models::User, Error> {
    let u = view.user;
    let documents = view
        .documents
        .iter()
        .map(|d| {
            Ok(models::IdentityDocumentStatus {
                document_type: Some(parse_enum(&d.document_type)?),
                document_side: Some(parse_enum(&d.document_side)?),
                status: Some(parse_enum(&d.status)?),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let pending = documents
        .iter()
        .any(|d| d.status == Some(models::IdentityDocumentStatusStatus::Pending));
    let (status, description, identity) = if pending {
        (
            models::VerificationStatusStatus::Pending,
            "Identification process is in progress.",
            models::CheckStatus::Pending,
        )
    } else {
        (
            models::VerificationStatusStatus::NotValidated,
            "Identification process has not started.",
            models::CheckStatus::Open,
        )
    };
    let wallets = view
        .wallets
        .iter()
        .map(|w| {
            Ok(models::WalletAddress {
                address: Some(w.address.clone()),
                currency: Some(w.currency.clone()),
                destination_tag: w.destination_tag.as_ref().map(|t| {
                    Some(match t.parse::<i64>() {
                        Ok(n) => models::DestinationTag::Integer(n),
                        Err(_) => models::DestinationTag::String(t.clone()),
                    })
                }),
                id: Some(w.id),
                name: Some(w.name.clone()),
                status: Some(parse_enum(&w.status)?),
                verification_status: Some(parse_enum(&w.verification_status)?),
                wallet_type: Some(parse_enum(&w.wallet_type)?),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let trade = |limit: f64, remaining: f64| models::TradeLimit {
        interval: Some(u.limit_interval.clone()),
        limit: Some(amount(limit, &u.currency_code)),
        remaining: Some(amount(remaining, &u.currency_code)),
    };
    let level_id = uuid::Uuid::parse_str(&u.level_id)
        .map_err(|e| Error::Corrupt(format!("level id {:?}: {e}", u.level_id)))?;
    Ok(models::User {
        activation_date: u.activated_at,
        email_address: Some(u.email_address.clone()),
        enabled_accounts: Some(
            u.iban
                .iter()
                .map(|iban| models::Account {
                    identifier: Some(iban.clone()),
                    limit_raised: Some(false),
                    name: Some("My bank account".to_owned()),
                    type_: Some("iban".to_owned()),
                    verified: Some(true),
                })
                .collect(),
        ),
        enabled_iban_accounts: Some(
            u.iban
                .iter()
                .map(|iban| models::IbanAccount {
                    holder: u.iban_holder.clone(),
                    number: Some(iban.clone()),
                    verified: Some(true),
                })
                .collect(),
        ),
        enabled_wallet_addresses: Some(wallets),
        first_name: Some(u.first_name.clone()),
        is_business: Some(u.is_business),
        last_name: Some(u.last_name.clone()),
        limits: Some(models::Limits {
            buy: Some(trade(u.buy_limit, u.buy_remaining)),
            sell: Some(trade(u.sell_limit, u.sell_remaining)),
        }),
        phone_number: Some(u.phone_number.clone()),
        region: Some(u.region.clone()),
        registration_date: Some(u.registered_at),
        status: Some(models::VerificationStatus {
            description: Some(description.to_owned()),
            details: Some(models::VerificationDetails {
                amld5_verification_status: Some(
                    models::VerificationDetailsAmld5VerificationStatus::Verified,
                ),
                email_address_verification_status: Some(models::CheckStatus::Verified),
                identity_document_verification_status: Some(documents),
                identity_verification_status: Some(identity),
                privacy_agreement_verification_status: Some(models::CheckStatus::Verified),
                residential_address_verification_status: Some(
                    models::VerificationDetailsResidentialAddressVerificationStatus::Present,
                ),
            }),
            status: Some(status),
        }),
        verification_level: Some(models::VerificationLevel {
            buy_limit: amount(u.buy_limit, &u.currency_code),
            id: level_id,
            level: u.level_name.clone(),
            sell_limit: amount(u.sell_limit, &u.currency_code),
        }),
    })
}
