// ACME's keys and certificates: a key file made once with mode 0600 and
// read back the same, a CSR naming every name and signed by its key, a
// self-signed certificate with the names, and the tls-alpn-01 certificate
// with RFC 8737's critical acmeIdentifier extension holding the digest.
#include "gate/tls/acme_material.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "tests/support/certificates.h"
#include "tests/support/temp_dir.h"

namespace httpgate::gate {
namespace {

TEST(AcmeMaterial, AKeyFileIsMadeOnceWithMode0600) {
  test::TempDir dir;
  const std::string path = dir.file("account.key");
  auto first = loadOrCreateKey(path);
  ASSERT_TRUE(first.ok()) << first.error();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = loadOrCreateKey(path);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(EVP_PKEY_eq(first.value().get(), again.value().get()), 1) << "read back, not remade";
}

TEST(AcmeMaterial, AnUnreadableKeyIsAnErrorNotANewKey) {
  test::TempDir dir;
  const std::string path = dir.file("broken.key");
  ASSERT_TRUE(writeFileAtomically(path, "not a key", 0600).ok());
  const auto key = loadOrCreateKey(path);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("cannot read the key " + path), std::string::npos) << key.error();
}

TEST(AcmeMaterial, TheCsrNamesEveryNameAndIsSignedByItsKey) {
  auto key = newAcmeKey();
  ASSERT_TRUE(key.ok());
  const auto der = makeCsr(key.value().get(), {"a.example", "b.example"});
  ASSERT_TRUE(der.ok()) << der.error();
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.value().data());
  X509_REQ* request = d2i_X509_REQ(nullptr, &bytes, static_cast<long>(der.value().size()));
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request, key.value().get()), 1);
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request);
  auto* names = static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 2);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(
                ASN1_STRING_get0_data(sk_GENERAL_NAME_value(names, 1)->d.dNSName))),
            "b.example");
  GENERAL_NAMES_free(names);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  X509_REQ_free(request);
}

TEST(AcmeMaterial, TheChallengeCertificateCarriesTheCriticalAcmeIdentifier) {
  auto key = newAcmeKey();
  ASSERT_TRUE(key.ok());
  const std::string digest(32, '\x5a');
  auto cert = makeSelfSigned(key.value().get(), {"site.example"}, 7, digest);
  ASSERT_TRUE(cert.ok()) << cert.error();
  EXPECT_EQ(test::certificateDnsNames(cert.value().get()),
            std::vector<std::string>{"site.example"});
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  const int index = X509_get_ext_by_OBJ(cert.value().get(), oid, -1);
  ASN1_OBJECT_free(oid);
  ASSERT_GE(index, 0);
  X509_EXTENSION* extension = X509_get_ext(cert.value().get(), index);
  EXPECT_EQ(X509_EXTENSION_get_critical(extension), 1);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(extension);
  // DER: OCTET STRING (0x04), 32 bytes, the digest.
  const std::string der(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<size_t>(ASN1_STRING_length(value)));
  EXPECT_EQ(der, std::string("\x04\x20", 2) + digest);

  auto plain = makeSelfSigned(key.value().get(), {"site.example"}, 7);
  ASSERT_TRUE(plain.ok());
  ASN1_OBJECT* again = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  EXPECT_LT(X509_get_ext_by_OBJ(plain.value().get(), again, -1), 0);
  ASN1_OBJECT_free(again);
}

}  // namespace
}  // namespace httpgate::gate
