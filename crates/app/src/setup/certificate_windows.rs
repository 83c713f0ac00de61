//! Windows only: the setup's certificate into the LocalMachine\My store. The RSA key is imported
//! into the Microsoft Software Key Storage Provider as a machine key named after the
//! certificate's thumbprint (CNG `NCryptImportKey`, PKCS#8, not exportable), and the certificate
//! is added to the store with a link to that key (`CERT_KEY_PROV_INFO_PROP_ID`), so that a
//! scheduled run as LocalSystem or a gMSA signs with it by thumbprint and the key never sits in
//! a file. Needs an elevated process (the machine key store and LocalMachine\My).
#![allow(unsafe_code)]

use base64::Engine as _;
use windows_sys::Win32::Security::Cryptography::{
    BCryptBuffer, BCryptBufferDesc, CertAddCertificateContextToStore, CertCloseStore,
    CertCreateCertificateContext, CertFreeCertificateContext, CertOpenStore,
    CertSetCertificateContextProperty, NCryptFreeObject, NCryptImportKey,
    NCryptOpenStorageProvider, BCRYPTBUFFER_VERSION, CERT_KEY_PROV_INFO_PROP_ID,
    CERT_STORE_ADD_REPLACE_EXISTING, CERT_STORE_PROV_SYSTEM_W, CERT_SYSTEM_STORE_LOCAL_MACHINE,
    CRYPT_KEY_PROV_INFO, MS_KEY_STORAGE_PROVIDER, NCRYPTBUFFER_PKCS_KEY_NAME, NCRYPT_KEY_HANDLE,
    NCRYPT_MACHINE_KEY_FLAG, NCRYPT_OVERWRITE_KEY_FLAG, NCRYPT_PKCS8_PRIVATE_KEY_BLOB,
    NCRYPT_PROV_HANDLE, PKCS_7_ASN_ENCODING, X509_ASN_ENCODING,
};

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

fn pkcs8_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("the new key is not PKCS#8 PEM: {e}"))
}

/// Imports the key and adds the certificate to LocalMachine\My.
pub fn import(cert_der: &[u8], key_pem: &str) -> Result<(), String> {
    let key = pkcs8_der(key_pem)?;
    let name = format!("RoleSync-{}", super::certificate::thumbprint(cert_der));
    let mut name_w = wide(&name);
    let denied =
        "; run RoleSync as an administrator (the machine's key store and LocalMachine\\My need it)";
    let mut provider: NCRYPT_PROV_HANDLE = 0;
    // SAFETY: out-pointer to a handle; the provider name is a static wide string.
    let hr = unsafe { NCryptOpenStorageProvider(&mut provider, MS_KEY_STORAGE_PROVIDER, 0) };
    if hr != 0 {
        return Err(format!(
            "cannot open the Microsoft Software Key Storage Provider (0x{hr:08X})"
        ));
    }
    let mut buffer = BCryptBuffer {
        cbBuffer: (name_w.len() * 2) as u32,
        BufferType: NCRYPTBUFFER_PKCS_KEY_NAME,
        pvBuffer: name_w.as_mut_ptr().cast(),
    };
    let params = BCryptBufferDesc {
        ulVersion: BCRYPTBUFFER_VERSION,
        cBuffers: 1,
        pBuffers: &mut buffer,
    };
    let mut handle: NCRYPT_KEY_HANDLE = 0;
    // SAFETY: valid provider handle; `params`, `name_w` and `key` outlive the call.
    let hr = unsafe {
        NCryptImportKey(
            provider,
            0,
            NCRYPT_PKCS8_PRIVATE_KEY_BLOB,
            &params,
            &mut handle,
            key.as_ptr(),
            key.len() as u32,
            NCRYPT_MACHINE_KEY_FLAG | NCRYPT_OVERWRITE_KEY_FLAG,
        )
    };
    // SAFETY: handles from the calls above; freeing 0 is not attempted.
    unsafe {
        if handle != 0 {
            NCryptFreeObject(handle);
        }
        NCryptFreeObject(provider);
    }
    if hr != 0 {
        return Err(format!("cannot import the certificate's key into the machine key store (NCryptImportKey 0x{hr:08X}){denied}"));
    }
    // SAFETY: DER bytes valid for the call; the context is freed below.
    let ctx = unsafe {
        CertCreateCertificateContext(
            X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
            cert_der.as_ptr(),
            cert_der.len() as u32,
        )
    };
    if ctx.is_null() {
        return Err("the new certificate cannot be read by Windows".into());
    }
    let mut provider_name = wide("Microsoft Software Key Storage Provider");
    let info = CRYPT_KEY_PROV_INFO {
        pwszContainerName: name_w.as_mut_ptr(),
        pwszProvName: provider_name.as_mut_ptr(),
        dwProvType: 0,
        dwFlags: NCRYPT_MACHINE_KEY_FLAG,
        cProvParam: 0,
        rgProvParam: std::ptr::null_mut(),
        dwKeySpec: 0,
    };
    let store_name = wide("My");
    // SAFETY: `info` and the wide strings outlive the calls; the store and context are closed
    // and freed before returning.
    let result = unsafe {
        if CertSetCertificateContextProperty(
            ctx,
            CERT_KEY_PROV_INFO_PROP_ID,
            0,
            std::ptr::from_ref(&info).cast(),
        ) == 0
        {
            Err("cannot link the certificate to its key".to_string())
        } else {
            let store = CertOpenStore(
                CERT_STORE_PROV_SYSTEM_W,
                0,
                0,
                CERT_SYSTEM_STORE_LOCAL_MACHINE,
                store_name.as_ptr().cast(),
            );
            if store.is_null() {
                Err(format!("cannot open the LocalMachine\\My store{denied}"))
            } else {
                let added = CertAddCertificateContextToStore(
                    store,
                    ctx,
                    CERT_STORE_ADD_REPLACE_EXISTING,
                    std::ptr::null_mut(),
                );
                CertCloseStore(store, 0);
                if added == 0 {
                    Err(format!(
                        "cannot add the certificate to LocalMachine\\My{denied}"
                    ))
                } else {
                    Ok(())
                }
            }
        }
    };
    // SAFETY: created above.
    unsafe {
        CertFreeCertificateContext(ctx);
    }
    result
}
