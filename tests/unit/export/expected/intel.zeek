#fields	indicator	indicator_type	meta.source	meta.desc	meta.url
192.0.2.66	Intel::ADDR	cert-b	indicator--5ae92fc7-eeac-57b3-9df4-5a3ba0f04d44	-
198.51.100.7	Intel::ADDR	cert-a	indicator--11111111-1111-4111-8111-111111111111,indicator--55555555-5555-4555-8555-555555555555	-
203.0.113.9	Intel::ADDR	cert-a	indicator--44444444-4444-4444-8444-444444444444	-
2001:db8:0:1::5	Intel::ADDR	cert-a	indicator--11111111-1111-4111-8111-111111111111	-
2001:db8::1	Intel::ADDR	cert-a	indicator--11111111-1111-4111-8111-111111111111	-
198.51.100.0/24	Intel::SUBNET	cert-a	indicator--11111111-1111-4111-8111-111111111111	-
2001:db8:0:1::/64	Intel::SUBNET	cert-a	indicator--55555555-5555-4555-8555-555555555555	-
bad.example.net	Intel::DOMAIN	cert-b	indicator--450a3627-a98d-5006-9468-774eb38cb497	-
evil.example	Intel::DOMAIN	cert-a	indicator--55555555-5555-4555-8555-555555555555,indicator--22222222-2222-4222-8222-222222222222	-
login.bad.example	Intel::DOMAIN	cert-a	indicator--22222222-2222-4222-8222-222222222222	-
evil.example/dl/x.exe	Intel::URL	cert-a	indicator--33333333-3333-4333-8333-333333333333	-
www.evil.example/login?next=a,b	Intel::URL	cert-a	indicator--55555555-5555-4555-8555-555555555555	-
phish@evil.example	Intel::EMAIL	cert-a	indicator--44444444-4444-4444-8444-444444444444	-
d41d8cd98f00b204e9800998ecf8427e	Intel::FILE_HASH	cert-a	indicator--33333333-3333-4333-8333-333333333333	-
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855	Intel::FILE_HASH	cert-a	indicator--33333333-3333-4333-8333-333333333333	-
