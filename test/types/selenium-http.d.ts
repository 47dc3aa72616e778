// selenium-webdriver's HTTP transport, imported by its file path: Node's ESM resolver needs the file, and
// @types/selenium-webdriver declares it only as `selenium-webdriver/http`. The two classes the tests use.
declare module 'selenium-webdriver/http/index.js' {
  export class HttpClient {
    constructor(serverUrl: string);
  }
  export class Executor {
    constructor(client: HttpClient);
  }
}
