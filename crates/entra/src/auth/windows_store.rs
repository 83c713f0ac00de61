//! Windows only: a certificate from the certificate store by SHA-1 thumbprint (CurrentUser\My,
//! then LocalMachine\My); its private key stays in CNG and signs the client assertion there,
//! so non-exportable keys work.
#![allow(unsafe_code)]

use crate::auth::CertificateCredential;
use crate::error::{AuthError, AuthErrorKind};
use windows_sys::Win32::Security::Cryptography::{
    CertCloseStore, CertFindCertificateInStore, CertFreeCertificateContext, CertOpenStore,
    CryptAcquireCertificatePrivateKey, NCryptFreeObject, NCryptSignHash, BCRYPT_PAD_PKCS1,
    BCRYPT_PAD_PSS, BCRYPT_PKCS1_PADDING_INFO, BCRYPT_PSS_PADDING_INFO, BCRYPT_SHA256_ALGORITHM,
    CERT_CONTEXT, CERT_FIND_SHA1_HASH, CERT_NCRYPT_KEY_SPEC, CERT_STORE_PROV_SYSTEM_W,
    CERT_STORE_READONLY_FLAG, CERT_SYSTEM_STORE_CURRENT_USER, CERT_SYSTEM_STORE_LOCAL_MACHINE,
    CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG, CRYPT_ACQUIRE_SILENT_FLAG, CRYPT_INTEGER_BLOB,
    NCRYPT_KEY_HANDLE, PKCS_7_ASN_ENCODING, X509_ASN_ENCODING,
};

/// A CNG key handle from the store.
pub struct StoreKey {
    handle: NCRYPT_KEY_HANDLE,
    owned: bool,
}

// SAFETY: CNG key handles may be used from any thread; signing does not mutate the handle.
unsafe impl Send for StoreKey {}
// SAFETY: as above.
unsafe impl Sync for StoreKey {}

impl Drop for StoreKey {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: the handle came from CryptAcquireCertificatePrivateKey with "caller frees".
            unsafe {
                NCryptFreeObject(self.handle);
            }
        }
    }
}

fn err(msg: impl Into<String>) -> AuthError {
    AuthError::new(AuthErrorKind::Config, msg)
}

impl StoreKey {
    /// Signs a SHA-256 digest with PSS (salt 32) or PKCS#1 v1.5 padding.
    pub(crate) fn sign_sha256(&self, digest: &[u8; 32], pss: bool) -> Result<Vec<u8>, AuthError> {
        let pss_info = BCRYPT_PSS_PADDING_INFO {
            pszAlgId: BCRYPT_SHA256_ALGORITHM,
            cbSalt: 32,
        };
        let pkcs1_info = BCRYPT_PKCS1_PADDING_INFO {
            pszAlgId: BCRYPT_SHA256_ALGORITHM,
        };
        let (info, flags): (*const core::ffi::c_void, u32) = if pss {
            (std::ptr::from_ref(&pss_info).cast(), BCRYPT_PAD_PSS)
        } else {
            (std::ptr::from_ref(&pkcs1_info).cast(), BCRYPT_PAD_PKCS1)
        };
        let mut len = 0u32;
        // SAFETY: valid handle, digest and padding info outlive the call; first call sizes.
        let hr = unsafe {
            NCryptSignHash(
                self.handle,
                info,
                digest.as_ptr(),
                32,
                std::ptr::null_mut(),
                0,
                &mut len,
                flags,
            )
        };
        if hr != 0 {
            return Err(err(format!(
                "the certificate store's key cannot sign (NCryptSignHash 0x{hr:08X})"
            )));
        }
        let mut sig = vec![0u8; len as usize];
        // SAFETY: `sig` has the size CNG asked for.
        let hr = unsafe {
            NCryptSignHash(
                self.handle,
                info,
                digest.as_ptr(),
                32,
                sig.as_mut_ptr(),
                len,
                &mut len,
                flags,
            )
        };
        if hr != 0 {
            return Err(err(format!(
                "the certificate store's key cannot sign (NCryptSignHash 0x{hr:08X})"
            )));
        }
        sig.truncate(len as usize);
        Ok(sig)
    }
}

fn parse_thumbprint(t: &str) -> Result<[u8; 20], AuthError> {
    let hex: String = t.chars().filter(char::is_ascii_hexdigit).collect();
    if hex.len() != 40 {
        return Err(err(format!(
            "\"{t}\" is not a SHA-1 thumbprint (40 hex digits)"
        )));
    }
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| err(format!("\"{t}\" is not a SHA-1 thumbprint")))?;
    }
    Ok(out)
}

/// Finds the certificate with this thumbprint in CurrentUser\My, then LocalMachine\My, and opens
/// its private key.
pub fn load(thumbprint: &str) -> Result<CertificateCredential, AuthError> {
    let mut hash = parse_thumbprint(thumbprint)?;
    let name: Vec<u16> = "MY\0".encode_utf16().collect();
    for location in [
        CERT_SYSTEM_STORE_CURRENT_USER,
        CERT_SYSTEM_STORE_LOCAL_MACHINE,
    ] {
        // SAFETY: valid provider constant and NUL-terminated store name.
        let store = unsafe {
            CertOpenStore(
                CERT_STORE_PROV_SYSTEM_W,
                0,
                0,
                location | CERT_STORE_READONLY_FLAG,
                name.as_ptr().cast(),
            )
        };
        if store.is_null() {
            continue;
        }
        let blob = CRYPT_INTEGER_BLOB {
            cbData: 20,
            pbData: hash.as_mut_ptr(),
        };
        // SAFETY: open store, blob points at 20 bytes.
        let ctx: *mut CERT_CONTEXT = unsafe {
            CertFindCertificateInStore(
                store,
                X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                0,
                CERT_FIND_SHA1_HASH,
                std::ptr::from_ref(&blob).cast(),
                std::ptr::null(),
            )
        };
        if ctx.is_null() {
            // SAFETY: store was opened above.
            unsafe { CertCloseStore(store, 0) };
            continue;
        }
        // SAFETY: ctx is a valid certificate context until freed below.
        let der = unsafe {
            std::slice::from_raw_parts((*ctx).pbCertEncoded, (*ctx).cbCertEncoded as usize).to_vec()
        };
        let mut handle: usize = 0;
        let mut spec = 0u32;
        let mut free = 0;
        // SAFETY: valid context and out-pointers.
        let ok = unsafe {
            CryptAcquireCertificatePrivateKey(
                ctx,
                CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG | CRYPT_ACQUIRE_SILENT_FLAG,
                std::ptr::null(),
                &mut handle,
                &mut spec,
                &mut free,
            )
        };
        // SAFETY: context and store are no longer used.
        unsafe {
            CertFreeCertificateContext(ctx);
            CertCloseStore(store, 0);
        }
        if ok == 0 || spec != CERT_NCRYPT_KEY_SPEC {
            return Err(err(format!("certificate {thumbprint} is in the store but its private key cannot be used by this account; import it with its private key and grant this account access")));
        }
        return Ok(CertificateCredential::from_store(
            der,
            StoreKey {
                handle,
                owned: free != 0,
            },
        ));
    }
    Err(err(format!("no certificate with thumbprint {thumbprint} in CurrentUser\\My or LocalMachine\\My; import the .pfx into the store, or set entra.certificate to the file")))
}
