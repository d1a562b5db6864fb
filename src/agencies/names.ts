/**
 * Word lists of the synthetic country: common Persian names with their usual English spelling, places,
 * and the fictional employers and real universities the generator draws from. No real person is meant.
 */
type Pair = readonly [fa: string, en: string];

export const MALE_NAMES: readonly Pair[] = [
  ['علی', 'Ali'], ['محمد', 'Mohammad'], ['حسین', 'Hossein'], ['رضا', 'Reza'], ['مهدی', 'Mahdi'], ['امیر', 'Amir'],
  ['حسن', 'Hassan'], ['سعید', 'Saeed'], ['مجید', 'Majid'], ['حمید', 'Hamid'], ['محسن', 'Mohsen'], ['جواد', 'Javad'],
  ['کامران', 'Kamran'], ['بهرام', 'Bahram'], ['داریوش', 'Dariush'], ['کوروش', 'Kourosh'], ['آرش', 'Arash'], ['بابک', 'Babak'],
  ['فرهاد', 'Farhad'], ['پویا', 'Pouya'], ['سینا', 'Sina'], ['میلاد', 'Milad'], ['مصطفی', 'Mostafa'], ['مرتضی', 'Morteza'],
  ['ابوالفضل', 'Abolfazl'], ['یوسف', 'Yousef'], ['امید', 'Omid'], ['نیما', 'Nima'], ['پژمان', 'Pejman'], ['کیوان', 'Keyvan'],
  ['بهزاد', 'Behzad'], ['سهراب', 'Sohrab'], ['هادی', 'Hadi'], ['مسعود', 'Masoud'], ['ایمان', 'Iman'], ['احسان', 'Ehsan'],
  ['یاسر', 'Yaser'], ['عرفان', 'Erfan'], ['محمدرضا', 'Mohammadreza'], ['امیرحسین', 'Amirhossein'],
];

export const FEMALE_NAMES: readonly Pair[] = [
  ['فاطمه', 'Fatemeh'], ['زهرا', 'Zahra'], ['مریم', 'Maryam'], ['سارا', 'Sara'], ['نرگس', 'Narges'], ['لیلا', 'Leila'],
  ['مینا', 'Mina'], ['شیرین', 'Shirin'], ['نگار', 'Negar'], ['الهام', 'Elham'], ['سمیرا', 'Samira'], ['پریسا', 'Parisa'],
  ['آزاده', 'Azadeh'], ['مهسا', 'Mahsa'], ['نازنین', 'Nazanin'], ['ریحانه', 'Reyhaneh'], ['کوثر', 'Kowsar'], ['هستی', 'Hasti'],
  ['ترانه', 'Taraneh'], ['یگانه', 'Yeganeh'], ['مژگان', 'Mozhgan'], ['فرشته', 'Fereshteh'], ['شبنم', 'Shabnam'], ['رویا', 'Roya'],
  ['سپیده', 'Sepideh'], ['طاهره', 'Tahereh'], ['معصومه', 'Masoumeh'], ['اعظم', 'Azam'], ['پروین', 'Parvin'], ['منیژه', 'Manijeh'],
  ['گلناز', 'Golnaz'], ['آیدا', 'Aida'], ['نیلوفر', 'Niloufar'], ['هانیه', 'Haniyeh'], ['بهاره', 'Bahareh'], ['کیمیا', 'Kimia'],
  ['ستاره', 'Setareh'], ['محدثه', 'Mohaddeseh'], ['سحر', 'Sahar'], ['فرزانه', 'Farzaneh'],
];

export const LAST_NAMES: readonly Pair[] = [
  ['محمدی', 'Mohammadi'], ['رضایی', 'Rezaei'], ['حسینی', 'Hosseini'], ['احمدی', 'Ahmadi'], ['کریمی', 'Karimi'], ['موسوی', 'Mousavi'],
  ['جعفری', 'Jafari'], ['صادقی', 'Sadeghi'], ['رحیمی', 'Rahimi'], ['هاشمی', 'Hashemi'], ['نوری', 'Nouri'], ['کاظمی', 'Kazemi'],
  ['قاسمی', 'Ghasemi'], ['ابراهیمی', 'Ebrahimi'], ['عباسی', 'Abbasi'], ['مرادی', 'Moradi'], ['اکبری', 'Akbari'], ['سلطانی', 'Soltani'],
  ['طاهری', 'Taheri'], ['شریفی', 'Sharifi'], ['نجفی', 'Najafi'], ['یزدانی', 'Yazdani'], ['فرهادی', 'Farhadi'], ['بهرامی', 'Bahrami'],
  ['امینی', 'Amini'], ['تهرانی', 'Tehrani'], ['شیرازی', 'Shirazi'], ['اصفهانی', 'Esfahani'], ['تبریزی', 'Tabrizi'], ['کرمانی', 'Kermani'],
  ['خراسانی', 'Khorasani'], ['رستمی', 'Rostami'], ['زارعی', 'Zarei'], ['میرزایی', 'Mirzaei'], ['حیدری', 'Heydari'], ['قربانی', 'Ghorbani'],
  ['فراهانی', 'Farahani'], ['نظری', 'Nazari'], ['پورمحمدی', 'Pourmohammadi'], ['علوی', 'Alavi'], ['منصوری', 'Mansouri'], ['افشار', 'Afshar'],
  ['کیانی', 'Kiani'], ['سبحانی', 'Sobhani'], ['توکلی', 'Tavakoli'], ['دهقان', 'Dehghan'], ['باقری', 'Bagheri'], ['یوسفی', 'Yousefi'],
  ['شجاعی', 'Shojaei'], ['مختاری', 'Mokhtari'],
];

/** Names of the resident foreign nationals (most of Iran's are Afghan). */
export const FOREIGN_MALE_NAMES: readonly Pair[] = [['احمد', 'Ahmad'], ['محمود', 'Mahmoud'], ['عبدالله', 'Abdollah'], ['نجیب', 'Najib'], ['جمال', 'Jamal'], ['ظاهر', 'Zaher']];
export const FOREIGN_FEMALE_NAMES: readonly Pair[] = [['شکیلا', 'Shakila'], ['ملالی', 'Malalai'], ['زرغونه', 'Zarghuna'], ['فریبا', 'Fariba'], ['حمیده', 'Hamideh']];
export const FOREIGN_LAST_NAMES: readonly Pair[] = [['نوروزی', 'Nowrouzi'], ['احمدزی', 'Ahmadzai'], ['صدیقی', 'Siddiqi'], ['عزیزی', 'Azizi'], ['رسولی', 'Rasouli'], ['هاشمی', 'Hashemi']];

/** Cities with their province, the first digit of their postal codes, and the first digits of national codes issued there. */
export const CITIES: readonly { city: Pair; province: Pair; postal: string; codePrefixes: readonly string[] }[] = [
  { city: ['تهران', 'Tehran'], province: ['تهران', 'Tehran'], postal: '1', codePrefixes: ['001', '002', '003', '004', '005', '006', '007', '008'] },
  { city: ['مشهد', 'Mashhad'], province: ['خراسان رضوی', 'Razavi Khorasan'], postal: '9', codePrefixes: ['092', '093', '094'] },
  { city: ['اصفهان', 'Isfahan'], province: ['اصفهان', 'Isfahan'], postal: '8', codePrefixes: ['127', '128', '129'] },
  { city: ['شیراز', 'Shiraz'], province: ['فارس', 'Fars'], postal: '7', codePrefixes: ['228', '229', '230'] },
  { city: ['تبریز', 'Tabriz'], province: ['آذربایجان شرقی', 'East Azerbaijan'], postal: '5', codePrefixes: ['136', '137', '138'] },
  { city: ['کرج', 'Karaj'], province: ['البرز', 'Alborz'], postal: '3', codePrefixes: ['049'] },
  { city: ['رشت', 'Rasht'], province: ['گیلان', 'Gilan'], postal: '4', codePrefixes: ['259', '260'] },
  { city: ['اهواز', 'Ahvaz'], province: ['خوزستان', 'Khuzestan'], postal: '6', codePrefixes: ['175', '176'] },
  { city: ['یزد', 'Yazd'], province: ['یزد', 'Yazd'], postal: '8', codePrefixes: ['444', '445'] },
  { city: ['کرمان', 'Kerman'], province: ['کرمان', 'Kerman'], postal: '7', codePrefixes: ['298', '299'] },
];

export const STREETS: readonly Pair[] = [
  ['خیابان ولیعصر', 'Valiasr St'], ['خیابان آزادی', 'Azadi St'], ['خیابان انقلاب', 'Enghelab St'], ['بلوار کشاورز', 'Keshavarz Blvd'],
  ['خیابان شریعتی', 'Shariati St'], ['خیابان امام خمینی', 'Imam Khomeini St'], ['خیابان فردوسی', 'Ferdowsi St'], ['خیابان حافظ', 'Hafez St'],
  ['خیابان سعدی', 'Saadi St'], ['خیابان بهار', 'Bahar St'], ['بلوار ارم', 'Eram Blvd'], ['خیابان نظامی', 'Nezami St'],
];

export const CAR_MAKES: readonly Pair[] = [
  ['پراید', 'Saipa Pride'], ['پژو ۲۰۶', 'Peugeot 206'], ['پژو پارس', 'Peugeot Pars'], ['سمند', 'IKCO Samand'], ['دنا', 'IKCO Dena'],
  ['تیبا', 'Saipa Tiba'], ['کوییک', 'Saipa Quick'], ['رانا', 'IKCO Runna'], ['ساینا', 'Saipa Saina'], ['شاهین', 'Saipa Shahin'], ['تارا', 'IKCO Tara'],
];
export const CAR_COLORS: readonly Pair[] = [['سفید', 'white'], ['مشکی', 'black'], ['نقره‌ای', 'silver'], ['خاکستری', 'grey'], ['آبی', 'blue'], ['قرمز', 'red']];
/** Letters of private-car plates. */
export const PLATE_LETTERS_USED = ['ب', 'ج', 'د', 'س', 'ص', 'ط', 'ق', 'ل', 'م', 'ن', 'و', 'ه', 'ی'] as const;

/** Traffic violations of the demo country (codes and amounts are made up). Amounts in rials. */
export const VIOLATIONS: readonly { code: string; fa: string; en: string; amount: number }[] = [
  { code: '2002', fa: 'عبور از چراغ قرمز', en: 'Running a red light', amount: 2_000_000 },
  { code: '2008', fa: 'سرعت غیرمجاز', en: 'Speeding', amount: 1_500_000 },
  { code: '2056', fa: 'توقف در محل ممنوع', en: 'Parking where stopping is forbidden', amount: 500_000 },
  { code: '2041', fa: 'استفاده از تلفن همراه هنگام رانندگی', en: 'Using a mobile phone while driving', amount: 1_000_000 },
  { code: '2036', fa: 'نبستن کمربند ایمنی', en: 'Not wearing a seat belt', amount: 500_000 },
  { code: '2018', fa: 'ورود به محدوده طرح ترافیک بدون مجوز', en: 'Entering the restricted traffic zone without a permit', amount: 1_200_000 },
];

/** Fictional employers (no real company is meant). */
export const EMPLOYERS: readonly Pair[] = [
  ['شرکت فناوران پارس', 'Fanavaran Pars Co.'], ['صنایع غذایی البرز', 'Alborz Food Industries'], ['فروشگاه‌های زنجیره‌ای آفتاب', 'Aftab Chain Stores'],
  ['نساجی یزدباف', 'Yazdbaf Textiles'], ['شرکت ساختمانی آرمان‌سازه', 'Arman Sazeh Construction'], ['بیمارستان خصوصی مهر', 'Mehr Private Hospital'],
  ['شرکت حمل‌ونقل کوهستان', 'Kouhestan Transport Co.'], ['دفتر مهندسی نقش جهان', 'Naghsh-e Jahan Engineering'], ['شرکت نرم‌افزاری کاوش', 'Kavosh Software Co.'],
  ['رستوران‌های سفره', 'Sofreh Restaurants'],
];

export const UNIVERSITIES: readonly Pair[] = [
  ['دانشگاه تهران', 'University of Tehran'], ['دانشگاه صنعتی شریف', 'Sharif University of Technology'],
  ['دانشگاه صنعتی امیرکبیر', 'Amirkabir University of Technology'], ['دانشگاه شهید بهشتی', 'Shahid Beheshti University'],
  ['دانشگاه فردوسی مشهد', 'Ferdowsi University of Mashhad'], ['دانشگاه اصفهان', 'University of Isfahan'], ['دانشگاه شیراز', 'Shiraz University'],
  ['دانشگاه تبریز', 'University of Tabriz'], ['دانشگاه علم و صنعت ایران', 'Iran University of Science and Technology'],
  ['دانشگاه علامه طباطبائی', "Allameh Tabataba'i University"],
];

export const FIELDS: readonly Pair[] = [
  ['مهندسی کامپیوتر', 'Computer Engineering'], ['مهندسی برق', 'Electrical Engineering'], ['حسابداری', 'Accounting'], ['مدیریت بازرگانی', 'Business Administration'],
  ['حقوق', 'Law'], ['زبان و ادبیات فارسی', 'Persian Language and Literature'], ['روان‌شناسی', 'Psychology'], ['ریاضی', 'Mathematics'], ['فیزیک', 'Physics'],
  ['مهندسی عمران', 'Civil Engineering'], ['اقتصاد', 'Economics'], ['زبان انگلیسی', 'English Language'], ['شیمی', 'Chemistry'], ['معماری', 'Architecture'],
];
