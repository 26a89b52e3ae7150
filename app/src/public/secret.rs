//! The server secret's two uses for phone numbers left by the public: a keyed hash (to find
//! repeat callers and repeat clients without keeping the number or address) and encryption (so
//! staff can call back). A database dump alone reveals neither.
//!
//! Each use has its own key, derived from the secret with HKDF-SHA256, so neither use can be
//! turned against the other; a number is encrypted bound to its comment's id (the AEAD's
//! associated data), so a ciphertext copied onto another comment does not decrypt there.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

#[derive(Clone)]
pub struct Secret {
    hashing: [u8; 32],
    encryption: [u8; 32],
    /// The secret itself, which encrypted numbers before keys were derived (no version byte, no
    /// associated data): such ciphertexts still decrypt.
    legacy: [u8; 32],
}

/// Marks a ciphertext made with the derived key and the comment id as associated data.
const V1: u8 = 1;

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("JIANDU_SECRET must be 64 hexadecimal digits (32 random bytes), e.g. from `openssl rand -hex 32`")]
pub struct BadSecret;

impl Secret {
    pub fn from_hex(hex: &str) -> Result<Self, BadSecret> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(BadSecret);
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| BadSecret)?;
        }
        let derive = |info: &[u8]| {
            let mut out = [0u8; 32];
            // 32 bytes is far below HKDF-SHA256's limit of 8160: this cannot fail.
            let _ = Hkdf::<Sha256>::new(Some(b"jiandu"), &key).expand(info, &mut out);
            out
        };
        Ok(Self {
            hashing: derive(b"keyed hash v1"),
            encryption: derive(b"phone encryption v1"),
            legacy: key,
        })
    }

    /// `purpose` separates the uses, so a phone hash never equals an address hash.
    pub fn keyed_hash(&self, purpose: &str, data: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hashing)
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// A device's token: derived from its id, so those who manage the site's devices can be
    /// shown it again (as an activation code), and unguessable without the secret.
    pub fn device_token(&self, device: &uuid::Uuid) -> String {
        let mut key = [0u8; 32];
        key.copy_from_slice(&self.keyed_hash("device-token", device.as_bytes())[..32]);
        crate::domain::device::new_token(key)
    }

    /// The receipt for the comment sent with this form token: derived, not random, so the same
    /// form sent again (a double tap, a resend) shows the same receipt; unguessable without the
    /// secret, and the token is only ever in that one reader's page.
    pub fn receipt_for(&self, form_token: &uuid::Uuid) -> crate::domain::receipt::ReceiptCode {
        let h = self.keyed_hash("receipt code", form_token.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&h[..16]);
        crate::domain::receipt::ReceiptCode::from_bytes(bytes)
    }

    /// What the database keeps of a receipt code: a dump alone opens no receipt.
    pub fn receipt_hash(&self, code: &crate::domain::receipt::ReceiptCode) -> Vec<u8> {
        self.keyed_hash("receipt", code.as_str().as_bytes())
    }

    /// A version byte, a random 24-byte nonce, then the ciphertext, bound to `owner` (the
    /// comment's id).
    pub fn encrypt(&self, plain: &str, owner: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.encryption).into());
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut out = vec![V1];
        out.extend_from_slice(&nonce);
        // Encryption into a Vec cannot fail for inputs this small.
        out.extend(
            cipher
                .encrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: plain.as_bytes(),
                        aad: owner,
                    },
                )
                .unwrap_or_default(),
        );
        out
    }

    /// The number, if `data` was encrypted for `owner` with this secret.
    pub fn decrypt(&self, data: &[u8], owner: &[u8]) -> Option<String> {
        let v1 = data.split_first().and_then(|(v, rest)| {
            if *v != V1 || rest.len() < 24 {
                return None;
            }
            let (nonce, body) = rest.split_at(24);
            XChaCha20Poly1305::new((&self.encryption).into())
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: body,
                        aad: owner,
                    },
                )
                .ok()
        });
        let plain = v1.or_else(|| {
            if data.len() < 24 {
                return None;
            }
            let (nonce, body) = data.split_at(24);
            XChaCha20Poly1305::new((&self.legacy).into())
                .decrypt(XNonce::from_slice(nonce), body)
                .ok()
        })?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_form_always_gets_the_same_receipt_and_another_secret_another() {
        let s = Secret::from_hex(KEY).unwrap();
        let token = uuid::Uuid::now_v7();
        assert_eq!(s.receipt_for(&token), s.receipt_for(&token));
        assert_ne!(s.receipt_for(&token), s.receipt_for(&uuid::Uuid::now_v7()));
        let other = Secret::from_hex(&"ab".repeat(32)).unwrap();
        assert_ne!(s.receipt_for(&token), other.receipt_for(&token));
        // What is stored is neither the code nor the token.
        let code = s.receipt_for(&token);
        let hash = s.receipt_hash(&code);
        assert_ne!(hash, code.as_str().as_bytes());
        assert_ne!(hash, s.keyed_hash("receipt code", token.as_bytes()));
    }

    #[test]
    fn round_trips_and_refuses_tampering() {
        let s = Secret::from_hex(KEY).unwrap();
        let c = s.encrypt("13812345678", b"comment-1");
        assert!(!c.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(s.decrypt(&c, b"comment-1").as_deref(), Some("13812345678"));
        let mut bad = c.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(s.decrypt(&bad, b"comment-1"), None);
        // Moved onto another comment, it does not decrypt.
        assert_eq!(s.decrypt(&c, b"comment-2"), None);
        // A fresh nonce each time: the same number never gives the same bytes twice.
        assert_ne!(s.encrypt("13812345678", b"comment-1"), c);
    }

    #[test]
    fn keyed_hashes_depend_on_key_and_purpose() {
        let a = Secret::from_hex(KEY).unwrap();
        let b = Secret::from_hex(&KEY.replace("1f", "20")).unwrap();
        assert_eq!(a.keyed_hash("phone", b"1"), a.keyed_hash("phone", b"1"));
        assert_ne!(a.keyed_hash("phone", b"1"), a.keyed_hash("client", b"1"));
        assert_ne!(a.keyed_hash("phone", b"1"), b.keyed_hash("phone", b"1"));
        assert!(Secret::from_hex("abc").is_err());
        assert!(Secret::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn numbers_encrypted_before_derived_keys_still_decrypt() {
        let s = Secret::from_hex(KEY).unwrap();
        // As `encrypt` wrote them before: nonce and ciphertext under the secret itself.
        let nonce = [7u8; 24];
        let mut old = nonce.to_vec();
        old.extend(
            XChaCha20Poly1305::new((&s.legacy).into())
                .encrypt(XNonce::from_slice(&nonce), b"13812345678".as_slice())
                .unwrap(),
        );
        assert_eq!(s.decrypt(&old, b"any").as_deref(), Some("13812345678"));
    }

    #[test]
    fn hashing_and_encryption_keys_differ_from_each_other_and_the_secret() {
        let s = Secret::from_hex(KEY).unwrap();
        assert_ne!(s.hashing, s.encryption);
        assert_ne!(s.hashing, s.legacy);
        assert_ne!(s.encryption, s.legacy);
    }
}
