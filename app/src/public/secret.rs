//! The server secret's two uses for phone numbers left by the public: a keyed hash (to find
//! repeat callers and repeat clients without keeping the number or address) and encryption (so
//! staff can call back). A database dump alone reveals neither.

use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

#[derive(Clone)]
pub struct Secret([u8; 32]);

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
        Ok(Self(key))
    }

    /// `purpose` separates the uses, so a phone hash never equals an address hash.
    pub fn keyed_hash(&self, purpose: &str, data: &[u8]) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// A random 24-byte nonce, then the ciphertext.
    pub fn encrypt(&self, plain: &str) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption into a Vec cannot fail for inputs this small.
        out.extend(
            cipher
                .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
                .unwrap_or_default(),
        );
        out
    }

    pub fn decrypt(&self, data: &[u8]) -> Option<String> {
        if data.len() < 24 {
            return None;
        }
        let (nonce, body) = data.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher.decrypt(XNonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trips_and_refuses_tampering() {
        let s = Secret::from_hex(KEY).unwrap();
        let c = s.encrypt("13812345678");
        assert!(!c.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(s.decrypt(&c).as_deref(), Some("13812345678"));
        let mut bad = c.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(s.decrypt(&bad), None);
        // A fresh nonce each time: the same number never gives the same bytes twice.
        assert_ne!(s.encrypt("13812345678"), c);
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
}
